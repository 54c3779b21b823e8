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

/** Filler byte m of a packet whose filler row is k: (m * 31 + k) & 0xff (bytes 36..187 are filler). */
const ROW = (k: number, m: number) => (m * 31 + k) & 0xff;
/**
 * Packet i of a PID's run in segment seq has filler row (i * 188 * 31 + seq * 7 + i) & 0xff = (197 * (i + j0)) & 0xff
 * with 197 * j0 = 7 * seq (mod 256): the rows of consecutive packets are consecutive packets of one
 * template, so runs of up to 256 packets are one copy. TEMPLATE packet j has row (197 * j) & 0xff.
 */
const TEMPLATE = Buffer.alloc(512 * 188);
for (let j = 0; j < 512; j++) for (let m = 36; m < 188; m++) TEMPLATE[j * 188 + m] = ROW((197 * j) & 0xff, m);
const INV_197 = 13; // 197 * 13 = 2561 = 10 * 256 + 1

/** Write `count` packets of `pid` into `b` from `base` (every byte of them is written). */
function packets(b: Buffer, base: number, pid: number, count: number, seq: number): void {
  const j0 = (((seq * 7) & 0xff) * INV_197) & 0xff;
  // The filler of runs of up to 256 packets in one copy; the first 36 bytes of each are written below.
  for (let i = 0; i < count; i += 256) {
    const n = Math.min(256, count - i);
    const from = ((i + j0) & 0xff) * 188;
    TEMPLATE.copy(b, base + i * 188, from, from + n * 188);
  }
  const label = Buffer.from(`SYNTH-${pid}-${seq}-`, 'latin1');
  const ll = Math.min(label.length, 32);
  for (let i = 0; i < count; i++) {
    const o = base + i * 188;
    b[o] = 0x47;
    b[o + 1] = (pid >> 8) & 0x1f;
    b[o + 2] = pid & 0xff;
    b[o + 3] = 0x10 | (i & 0x0f);
    // Recognisable, non-repeating payload so plaintext scans can find it: `SYNTH-pid-seq-i` padded with
    // '.' to 32 bytes, written byte by byte (a native copy per piece per packet cost more than the bytes).
    let p = o + 4;
    for (let k = 0; k < ll; k++) b[p++] = label[k]!;
    const end = o + 36;
    let digits = 1;
    for (let v = i; v >= 10; v = Math.floor(v / 10)) digits++;
    for (let k = digits - 1, v = i; k >= 0; k--, v = Math.floor(v / 10)) if (p + k < end) b[p + k] = 0x30 + (v % 10);
    p += digits;
    for (; p < end; p++) b[p] = 0x2e;
  }
}

/** For the byte-for-byte check against the earlier per-packet copies. */
export const packetsForTest = packets;

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
