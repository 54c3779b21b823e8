// A duplex placed between the two ends of a serial link that corrupts traffic in both directions:
// independent bit flips at a bit error rate and whole chunks dropped at a rate (each encoder write is
// one frame, so on the write side a dropped chunk is a dropped frame). Seeded, so a run replays.
import { Duplex } from 'node:stream';
import { prng } from './fleet/prng.js';

export interface FaultOptions {
  /** Bit error rate, e.g. 1e-4. */
  ber?: number;
  /** Probability that a chunk (a frame on the write side) is dropped. */
  dropRate?: number;
  seed?: number;
}

export interface FaultStats {
  bitsFlipped: number;
  chunksDropped: number;
  bytes: number;
}

export class FaultyLine extends Duplex {
  readonly stats: FaultStats = { bitsFlipped: 0, chunksDropped: 0, bytes: 0 };
  private readonly rand: () => number;
  private untilFlip: number;
  private readonly ber: number;
  private readonly dropRate: number;
  enabled = true;

  constructor(readonly inner: Duplex, opts: FaultOptions = {}) {
    super();
    this.ber = opts.ber ?? 0;
    this.dropRate = opts.dropRate ?? 0;
    this.rand = prng(opts.seed ?? 1);
    this.untilFlip = this.gap();
    inner.on('data', (chunk: Buffer) => {
      const out = this.fault(chunk);
      if (out && !this.push(out)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('close', () => this.destroy());
    inner.on('error', (err) => this.destroy(err));
  }

  get path(): string | undefined {
    return (this.inner as { path?: string }).path;
  }

  /** Bits until the next flip: geometric with p = ber, so the cost is per error, not per byte. */
  private gap(): number {
    if (this.ber <= 0) return Infinity;
    return Math.floor(Math.log(1 - this.rand()) / Math.log(1 - this.ber));
  }

  private fault(chunk: Buffer): Buffer | undefined {
    if (!this.enabled) return chunk;
    this.stats.bytes += chunk.length;
    if (this.dropRate > 0 && this.rand() < this.dropRate) {
      this.stats.chunksDropped++;
      return undefined;
    }
    const bits = chunk.length * 8;
    if (this.untilFlip >= bits) {
      this.untilFlip -= bits;
      return chunk;
    }
    const out = Buffer.from(chunk); // never alter the writer's buffer
    let at = this.untilFlip;
    while (at < bits) {
      out[at >> 3]! ^= 1 << (at & 7);
      this.stats.bitsFlipped++;
      at += 1 + this.gap();
    }
    this.untilFlip = at - bits;
    return out;
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const out = this.fault(chunk);
    if (!out) return cb();
    // Done when the inner line has taken it (as a tty's write completes), not when it is queued there.
    this.inner.write(out, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.inner.destroyed) this.inner.destroy();
    cb(err);
  }
}
