/**
 * Synchronous swap of float arrays between two threads through shared memory. It blocks (Atomics.wait)
 * rather than awaiting because it runs inside a tfjs gradient function, which must stay synchronous.
 */

/** The two exchanges of a data-parallel step: projections z, then gradients. */
export type Channel = 'z' | 'grads';
const channels: Channel[] = ['z', 'grads'];

/** Control words: per channel and side, a sequence number and a length; then the abort flag. */
const abortIndex = 2 * channels.length * 2;
const controlWords = abortIndex + 1;
const waitSliceMs = 200;

export interface ExchangeBuffers {
  control: SharedArrayBuffer;
  /** Per channel, two halves (side 0, side 1) of `capacity` floats each. */
  data: Record<Channel, SharedArrayBuffer>;
}

export function createExchangeBuffers(capacity: Record<Channel, number>): ExchangeBuffers {
  const data = Object.fromEntries(channels.map((c) => [c, new SharedArrayBuffer(8 * capacity[c])])) as Record<Channel, SharedArrayBuffer>;
  return { control: new SharedArrayBuffer(4 * controlWords), data };
}

export class PairExchange {
  private readonly control: Int32Array;

  constructor(
    readonly side: 0 | 1,
    private buffers: ExchangeBuffers,
  ) {
    this.control = new Int32Array(buffers.control);
  }

  /** Swaps in larger data buffers (the control block, and so the sequence numbers, stay). */
  setData(data: ExchangeBuffers['data']): void {
    this.buffers = { ...this.buffers, data };
  }

  /** Tells the other side to stop waiting: this side failed. */
  abort(): void {
    Atomics.store(this.control, abortIndex, 1);
    Atomics.notify(this.control, abortIndex);
    for (let i = 0; i < abortIndex; i++) Atomics.notify(this.control, i);
  }

  /**
   * Publishes `mine` and returns the other side's array of the same round: a view of the shared memory, not
   * a copy. It stays valid until this side's next swap, because the other side writes its next round only
   * after this side has published one.
   */
  swap(channel: Channel, mine: Float32Array): Float32Array {
    const c = channels.indexOf(channel);
    const half = this.buffers.data[channel].byteLength / 8;
    if (mine.length > half) throw new Error(`exchange '${channel}' holds ${half} floats, got ${mine.length}`);
    new Float32Array(this.buffers.data[channel], this.side * half * 4, mine.length).set(mine);
    const seq = (s: number) => 4 * c + 2 * s;
    Atomics.store(this.control, seq(this.side) + 1, mine.length);
    const round = Atomics.add(this.control, seq(this.side), 1) + 1;
    Atomics.notify(this.control, seq(this.side));
    const other = 1 - this.side;
    for (;;) {
      const seen = Atomics.load(this.control, seq(other));
      if (seen >= round) break;
      if (Atomics.load(this.control, abortIndex)) throw new Error('the other training worker failed');
      Atomics.wait(this.control, seq(other), seen, waitSliceMs);
    }
    const length = Atomics.load(this.control, seq(other) + 1);
    return new Float32Array(this.buffers.data[channel], other * half * 4, length);
  }
}
