/** Starts and talks to the training peer thread (peer.ts) that holds the second half of each batch. */
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../../../threads';
import { createExchangeBuffers, PairExchange, type ExchangeBuffers } from './exchange';
import { gradientFloats, replicaState, type HalfStep, type Replica } from './data-parallel';
import type { FromPeer, ReplicaState, ToPeer } from './protocol';

/** The peer thread: peer.ts under tsx, peer.js beside this code in a build. */
const startPeerThread = (): Worker => startModuleThread(new URL('./peer.ts', import.meta.url), new URL('./peer.js', import.meta.url));

export class PeerLink {
  private waiting: { resolve: (m: FromPeer) => void; reject: (e: Error) => void } | null = null;
  private zCapacity: number;

  private constructor(
    private readonly worker: Worker,
    readonly exchange: PairExchange,
    private buffers: ExchangeBuffers,
    private readonly projectionDim: number,
  ) {
    this.zCapacity = buffers.data.z.byteLength / 8;
    worker.on('message', (m: FromPeer) => this.settle(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`training peer exited (code ${code})`)));
  }

  /** Starts a peer with the replica's current weights and optimizer state. */
  static async start(config: { projectionDim: number }, replica: Replica): Promise<PeerLink> {
    const worker = startPeerThread();
    const buffers = createExchangeBuffers({ z: 2 * 64 * config.projectionDim, grads: gradientFloats(replica) });
    const link = new PeerLink(worker, new PairExchange(0, buffers), buffers, config.projectionDim);
    const state: ReplicaState = await replicaState(replica);
    await link.request({ type: 'init', config, buffers, state });
    return link;
  }

  private settle(message: FromPeer): void {
    if (message.type === 'error') return this.fail(new Error(`training peer failed: ${message.message}`));
    this.takeWaiting()?.resolve(message);
  }

  private fail(err: Error): void {
    this.exchange.abort();
    this.takeWaiting()?.reject(err);
  }

  /** Between requests the thread does not keep the process alive, so a model never disposed cannot hang it. */
  private takeWaiting(): PeerLink['waiting'] {
    const waiting = this.waiting;
    this.waiting = null;
    this.worker.unref();
    return waiting;
  }

  private request(message: ToPeer): Promise<FromPeer> {
    if (this.waiting) throw new Error('training peer is busy');
    const reply = new Promise<FromPeer>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.worker.ref();
    this.worker.postMessage(message);
    return reply;
  }

  /**
   * Starts the peer's half of a step; the caller then runs its own half (which meets the peer in the
   * exchange) and awaits the returned promise.
   */
  step(views1: Float32Array, views2: Float32Array, step: HalfStep & { imageSize: number; learningRate?: number }): Promise<FromPeer> {
    const needed = 2 * Math.max(...step.split) * this.projectionDim;
    let data: ExchangeBuffers['data'] | undefined;
    if (needed > this.zCapacity) {
      this.buffers = createExchangeBuffers({ z: needed, grads: this.buffers.data.grads.byteLength / 8 });
      data = { ...this.buffers.data };
      this.exchange.setData(data);
      this.zCapacity = needed;
    }
    return this.request({ type: 'step', views1, views2, ...step, data });
  }

  async state(): Promise<ReplicaState> {
    const reply = await this.request({ type: 'state' });
    if (reply.type !== 'state') throw new Error(`unexpected reply ${reply.type}`);
    return reply.state;
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' } satisfies ToPeer);
    await this.worker.terminate();
  }
}
