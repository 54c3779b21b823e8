// RAM-only pre-record buffer: bounded by seconds and bytes, evicts whole GOPs so the oldest
// segment always starts on a keyframe (the clip must decode from its first frame).
import type { VideoSegment } from '../shared/hal.js';

export interface RingBufferOptions {
  /** 0–120 s; 0 disables pre-record. */
  seconds: number;
  maxBytes: number;
  /** Keep audio packets in buffered segments (policy, default off). */
  keepAudio: boolean;
}

const TS_PACKET = 188;

/** Drop every TS packet whose PID is in `pids` (whole 188-byte packets only). */
export function stripPids(data: Buffer, pids: number[]): Buffer {
  if (pids.length === 0) return data;
  const drop = new Set(pids);
  const out: Buffer[] = [];
  for (let off = 0; off + TS_PACKET <= data.length; off += TS_PACKET) {
    const pid = ((data[off + 1]! & 0x1f) << 8) | data[off + 2]!;
    if (!drop.has(pid)) out.push(data.subarray(off, off + TS_PACKET));
  }
  return Buffer.concat(out);
}

export class RingBuffer {
  private segs: VideoSegment[] = [];
  private bytes = 0;
  constructor(private readonly opts: RingBufferOptions) {
    if (!(opts.seconds >= 0 && opts.seconds <= 120)) throw new Error('ringBuffer.seconds: must be within 0..120');
    if (!(opts.maxBytes > 0)) throw new Error('ringBuffer.maxBytes: must be positive');
  }

  push(seg: VideoSegment): void {
    if (this.opts.seconds === 0) return;
    // A buffer that does not start on a keyframe is useless; wait for the first one.
    if (this.segs.length === 0 && !seg.keyframe) return;
    const data = this.opts.keepAudio ? seg.data : stripPids(seg.data, seg.audioPids);
    this.segs.push({ ...seg, data, audioPids: this.opts.keepAudio ? seg.audioPids : [] });
    this.bytes += data.length;
    this.evict();
  }

  private evict(): void {
    const limitMs = this.opts.seconds * 1000;
    while (this.segs.length > 1 && (this.spanMs() > limitMs || this.bytes > this.opts.maxBytes)) {
      // Remove one whole GOP: the first segment and everything up to the next keyframe.
      let n = 1;
      while (n < this.segs.length && !this.segs[n]!.keyframe) n++;
      if (n >= this.segs.length) break; // only one GOP left: keep it rather than lose the start
      for (const s of this.segs.splice(0, n)) this.bytes -= s.data.length;
    }
  }

  spanMs(): number {
    if (this.segs.length === 0) return 0;
    const last = this.segs[this.segs.length - 1]!;
    return last.startMs + last.durationMs - this.segs[0]!.startMs;
  }

  byteLength(): number {
    return this.bytes;
  }

  get length(): number {
    return this.segs.length;
  }

  /** Hand over the buffered segments (oldest first, starting on a keyframe) and empty the buffer. */
  drain(): VideoSegment[] {
    const out = this.segs;
    this.segs = [];
    this.bytes = 0;
    return out;
  }
}
