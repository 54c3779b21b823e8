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

function packets(pid: number, count: number, seq: number): Buffer {
  const b = Buffer.alloc(count * 188);
  for (let i = 0; i < count; i++) {
    const o = i * 188;
    b[o] = 0x47;
    b[o + 1] = (pid >> 8) & 0x1f;
    b[o + 2] = pid & 0xff;
    b[o + 3] = 0x10 | (i & 0x0f);
    // Recognisable, non-repeating payload so plaintext scans can find it.
    b.write(`SYNTH-${pid}-${seq}-${i}`.padEnd(32, '.'), o + 4, 'latin1');
    for (let j = o + 36; j < o + 188; j++) b[j] = (j * 31 + seq * 7 + i) & 0xff;
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
