/** Messages between a SimCLR model and its training peer thread. */
import type { ExchangeBuffers } from './exchange';
import type { HalfStep, replicaState } from './data-parallel';

export type ReplicaState = Awaited<ReturnType<typeof replicaState>>;

export type ToPeer =
  /** config: the model's SimclrConfig, untyped here because naming simclr.ts would make an import cycle. */
  | { type: 'init'; config: object; buffers: ExchangeBuffers; state: ReplicaState }
  | ({
      type: 'step';
      /** The peer's half of each view, float32 [n, S, S, 3]. */
      views1: Float32Array;
      views2: Float32Array;
      imageSize: number;
      learningRate?: number;
      /** Larger exchange buffers, when the batch outgrew the previous ones. */
      data?: ExchangeBuffers['data'];
    } & HalfStep)
  | { type: 'state' }
  | { type: 'close' };

export type FromPeer = { type: 'ready' } | { type: 'stepped' } | { type: 'state'; state: ReplicaState } | { type: 'error'; message: string };
