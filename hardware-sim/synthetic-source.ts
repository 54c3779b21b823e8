// Fast generator of TS-shaped segments (188-byte packets, video PID 0x100, audio PID 0x101) with
// keyframe flags and timestamps. Used when ffmpeg is absent or for accelerated runs.
import type { Unsubscribe, VideoSegment, VideoSource } from '../shared/hal.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { SegmentBuffers } from '../firmware/segment-buffers.js';

export interface SyntheticOptions {
  bitrateKbps: number;
  /** Segment (GOP) length in ms. */
  gopMs: number;
  clock?: Clock;
  /** Reuse segment buffers (VideoSegment.retain), as the firmware's capture does; off: each segment's data is new. */
  recycle?: boolean;
}

export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;

/** RAMPS[k][m] = (m * 31 + k) & 0xff for m < 188: a packet's filler is one row, copied (not a byte loop). */
const RAMPS = Array.from({ length: 256 }, (_, k) => Buffer.from(Array.from({ length: 188 }, (_, m) => (m * 31 + k) & 0xff)));

const DOTS = Buffer.alloc(32, '.');

/** Write `count` packets of `pid` into `b` from `base` (every byte of them is written). */
function packets(b: Buffer, base: number, pid: number, count: number, seq: number): void {
  const label = Buffer.from(`SYNTH-${pid}-${seq}-`, 'latin1');
  const digits = Buffer.allocUnsafe(10);
  for (let i = 0; i < count; i++) {
    const r = i * 188; // offset within this PID's run (the filler is a function of it)
    const o = base + r;
    b[o] = 0x47;
    b[o + 1] = (pid >> 8) & 0x1f;
    b[o + 2] = pid & 0xff;
    b[o + 3] = 0x10 | (i & 0x0f);
    // Recognisable, non-repeating payload so plaintext scans can find it: `SYNTH-pid-seq-i` padded
    // with '.' to 32 bytes (written without building a string per packet).
    let p = o + 4 + label.copy(b, o + 4);
    let d = 10;
    for (let v = i; ; v = Math.floor(v / 10)) { digits[--d] = 0x30 + (v % 10); if (v < 10) break; }
    p += digits.copy(b, p, d, 10);
    if (p < o + 36) DOTS.copy(b, p, 0, o + 36 - p);
    // Filler byte j (relative to the run) = (j * 31 + seq * 7 + i) & 0xff, as always; at a simulated
    // 40x and 8 cameras a per-byte loop ate the cores the dock under test needed.
    RAMPS[(r * 31 + seq * 7 + i) & 0xff]!.copy(b, o + 36, 36, 188);
  }
}

export class SyntheticSource implements VideoSource {
  private segL = new Set<(s: VideoSegment) => void>();
  private errL = new Set<(e: Error) => void>();
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly clock: Clock;
  private readonly buffers: SegmentBuffers | undefined;
  constructor(private readonly opts: SyntheticOptions) {
    this.clock = opts.clock ?? systemClock;
    if (opts.recycle) this.buffers = new SegmentBuffers();
  }
  onSegment(l: (s: VideoSegment) => void): Unsubscribe {
    this.segL.add(l);
    return () => this.segL.delete(l);
  }
  onError(l: (e: Error) => void): Unsubscribe {
    this.errL.add(l);
    return () => this.errL.delete(l);
  }
  async start(): Promise<void> {
    const bytes = Math.max(2, Math.floor((this.opts.bitrateKbps * 1000 * this.opts.gopMs) / 8000 / 188));
    const audio = Math.max(1, Math.floor(bytes / 20));
    let next = this.clock.now();
    this.timer = this.clock.setInterval(() => {
      const seq = this.seq++;
      const size = bytes * 188;
      const backing = this.buffers ? this.buffers.take(size) : Buffer.allocUnsafe(size);
      packets(backing, 0, VIDEO_PID, bytes - audio, seq);
      packets(backing, (bytes - audio) * 188, AUDIO_PID, audio, seq);
      const seg: VideoSegment = { seq, startMs: next, durationMs: this.opts.gopMs, keyframe: true, data: backing.subarray(0, size), audioPids: [AUDIO_PID] };
      next += this.opts.gopMs;
      if (this.buffers) this.buffers.emit(seg, backing, this.segL);
      else for (const l of [...this.segL]) l(seg);
    }, this.opts.gopMs);
  }
  async stop(): Promise<void> {
    if (this.timer) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}
