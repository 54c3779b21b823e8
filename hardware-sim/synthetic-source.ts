// Fast generator of TS-shaped segments (188-byte packets, video PID 0x100, audio PID 0x101) with
// keyframe flags and timestamps. Used when ffmpeg is absent or for accelerated runs.
import type { Unsubscribe, VideoSegment, VideoSource } from '../shared/hal.js';
import { systemClock, type Clock } from '../shared/clock.js';

export interface SyntheticOptions {
  bitrateKbps: number;
  /** Segment (GOP) length in ms. */
  gopMs: number;
  clock?: Clock;
}

export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;

/** RAMPS[k][m] = (m * 31 + k) & 0xff for m < 188: a packet's filler is one row, copied (not a byte loop). */
const RAMPS = Array.from({ length: 256 }, (_, k) => Buffer.from(Array.from({ length: 188 }, (_, m) => (m * 31 + k) & 0xff)));

const DOTS = Buffer.alloc(32, '.');

function packets(pid: number, count: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(count * 188); // every byte is written below
  const label = Buffer.from(`SYNTH-${pid}-${seq}-`, 'latin1');
  const digits = Buffer.allocUnsafe(10);
  for (let i = 0; i < count; i++) {
    const o = i * 188;
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
    // Filler byte j (absolute) = (j * 31 + seq * 7 + i) & 0xff, as always; at a simulated 40x and
    // 8 cameras a per-byte loop ate the cores the dock under test needed.
    RAMPS[(o * 31 + seq * 7 + i) & 0xff]!.copy(b, o + 36, 36, 188);
  }
  return b;
}

export class SyntheticSource implements VideoSource {
  private segL = new Set<(s: VideoSegment) => void>();
  private errL = new Set<(e: Error) => void>();
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly clock: Clock;
  constructor(private readonly opts: SyntheticOptions) {
    this.clock = opts.clock ?? systemClock;
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
      const data = Buffer.concat([packets(VIDEO_PID, bytes - audio, seq), packets(AUDIO_PID, audio, seq)]);
      const seg: VideoSegment = { seq, startMs: next, durationMs: this.opts.gopMs, keyframe: true, data, audioPids: [AUDIO_PID] };
      next += this.opts.gopMs;
      for (const l of [...this.segL]) l(seg);
    }, this.opts.gopMs);
  }
  async stop(): Promise<void> {
    if (this.timer) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}
