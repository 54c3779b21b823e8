// Capture buffers that are reused instead of left to V8's GC (issue 18). A 1 MB segment buffer that a
// listener holds across a scavenge is promoted and then freed only by a full GC; at 8 Mbit/s that
// garbage piles up to tens of MB. A source built with these hands each segment's buffer out with
// `retain` (shared/hal.ts VideoSegment): the buffer comes back once the emit and every retain are done.
import type { VideoSegment } from '../shared/hal.js';

/** Allocation granule: segment sizes vary with the picture, so a freed buffer usually fits the next. */
const GRANULE = 64 * 1024;

export class SegmentBuffers {
  private free: Buffer[] = [];
  /** Buffers ever allocated and not dropped (benches, tests). */
  allocated = 0;
  constructor(
    /** Unused buffers kept; the segments in flight at once (a few while the vault writes). */
    private readonly maxFree = 4,
  ) {}

  /** A buffer of at least `size` bytes; the segment's bytes are its first `size`. */
  take(size: number): Buffer {
    // The smallest free one that fits (free is kept sorted by size).
    const i = this.free.findIndex((b) => b.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    this.allocated++;
    // Off the shared 8 KiB pool, rounded up so a slightly larger next segment still fits.
    return Buffer.allocUnsafeSlow(Math.ceil((size * 1.25) / GRANULE) * GRANULE);
  }

  private give(b: Buffer): void {
    const at = this.free.findIndex((f) => f.length >= b.length);
    this.free.splice(at < 0 ? this.free.length : at, 0, b);
    if (this.free.length > this.maxFree) {
      this.free.shift(); // the smallest goes to the GC
      this.allocated--;
    }
  }

  get freeBuffers(): number {
    return this.free.length;
  }

  /**
   * Hand `seg` (its data a view of `backing`) to every listener; `backing` is reused once the emit is
   * over and every retain() has been released (each release counts once).
   */
  emit(seg: Omit<VideoSegment, 'retain'>, backing: Buffer, listeners: Iterable<(s: VideoSegment) => void>): void {
    let holds = 1;
    const done = () => {
      if (--holds === 0) this.give(backing);
    };
    const out: VideoSegment = {
      ...seg,
      retain: () => {
        holds++;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          done();
        };
      },
    };
    try {
      for (const l of [...listeners]) l(out);
    } finally {
      done();
    }
  }
}
