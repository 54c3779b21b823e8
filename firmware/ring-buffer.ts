// RAM-only pre-record buffer: bounded by seconds and bytes, evicts whole GOPs so the oldest
// segment always starts on a keyframe (the clip must decode from its first frame). Segment bytes are
// copied into pooled blocks (firmware/block-pool.ts) that eviction hands to the next segment, so the
// buffer's RAM is its payload, not its payload plus garbage waiting for a full GC.
import type { VideoSegment } from '../shared/hal.js';
import { BlockPool, PooledBytes } from './block-pool.js';

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

/**
 * A segment handed over by drain(): its bytes in order as views of pool blocks, valid until release(),
 * which gives the blocks back to the pool (once the vault has encrypted them).
 */
export interface BufferedSegment extends Omit<VideoSegment, 'data' | 'retain'> {
  readonly length: number;
  readonly data: readonly Buffer[];
  release(): void;
}

interface Held extends Omit<VideoSegment, 'data' | 'retain'> {
  bytes: PooledBytes;
}

/** 64 KiB blocks: a 1 MB segment wastes at most one partly used block (~3 % on average). */
const BLOCK = 64 * 1024;

/** Copy the packets of `data` whose PID is not in `pids` into `out` (runs of kept packets in one copy). */
function copyWithout(data: Buffer, pids: number[], out: PooledBytes): void {
  const drop = new Set(pids);
  let runStart = -1;
  let off = 0;
  for (; off + TS_PACKET <= data.length; off += TS_PACKET) {
    const pid = ((data[off + 1]! & 0x1f) << 8) | data[off + 2]!;
    if (drop.has(pid)) {
      if (runStart >= 0) out.append(data, runStart, off);
      runStart = -1;
    } else if (runStart < 0) runStart = off;
  }
  if (runStart >= 0) out.append(data, runStart, off);
}

export class RingBuffer {
  private segs: Held[] = [];
  private bytes = 0;
  private readonly pool: BlockPool;
  constructor(private readonly opts: RingBufferOptions) {
    if (!(opts.seconds >= 0 && opts.seconds <= 120)) throw new Error('ringBuffer.seconds: must be within 0..120');
    if (!(opts.maxBytes > 0)) throw new Error('ringBuffer.maxBytes: must be positive');
    // Free blocks kept for reuse: up to what the byte bound can hold (no more RAM than the buffer's own).
    this.pool = new BlockPool(BLOCK, Math.ceil(opts.maxBytes / BLOCK) + 1);
  }

  push(seg: VideoSegment): void {
    if (this.opts.seconds === 0) return;
    // A buffer that does not start on a keyframe is useless; wait for the first one.
    if (this.segs.length === 0 && !seg.keyframe) return;
    // Evict before copying, so the blocks of what leaves are reused by what comes in.
    this.evict(seg);
    const bytes = new PooledBytes(this.pool);
    if (this.opts.keepAudio || seg.audioPids.length === 0) bytes.append(seg.data);
    else copyWithout(seg.data, seg.audioPids, bytes);
    const { data: _data, retain: _retain, ...meta } = seg;
    this.segs.push({ ...meta, audioPids: this.opts.keepAudio ? seg.audioPids : [], bytes });
    this.bytes += bytes.length;
    this.evict();
  }

  /** RAM taken by the pool's blocks (held and free). */
  poolBytes(): number {
    return this.pool.allocated * BLOCK;
  }

  /**
   * Drop whole GOPs from the front while the buffer is over its bounds; with `incoming`, over the
   * bounds it would have once that segment is in (the same segments leave either way: the span is
   * measured by timestamps, and a byte-bound eviction is re-checked after the push).
   */
  private evict(incoming?: VideoSegment): void {
    const limitMs = this.opts.seconds * 1000;
    const endMs = () => (incoming ? incoming.startMs + incoming.durationMs : this.endMs());
    const over = () => endMs() - this.segs[0]!.startMs > limitMs || (!incoming && this.bytes > this.opts.maxBytes);
    while (this.segs.length > (incoming ? 0 : 1) && over()) {
      // Remove one whole GOP: the first segment and everything up to the next keyframe.
      let n = 1;
      while (n < this.segs.length && !this.segs[n]!.keyframe) n++;
      // Only one GOP left: keep it rather than lose the start (unless a keyframe is coming to start anew).
      if (n >= this.segs.length && !(incoming?.keyframe)) break;
      for (const s of this.segs.splice(0, n)) {
        this.bytes -= s.bytes.length;
        s.bytes.release();
      }
    }
  }

  private endMs(): number {
    const last = this.segs[this.segs.length - 1]!;
    return last.startMs + last.durationMs;
  }

  spanMs(): number {
    if (this.segs.length === 0) return 0;
    return this.endMs() - this.segs[0]!.startMs;
  }

  byteLength(): number {
    return this.bytes;
  }

  get length(): number {
    return this.segs.length;
  }

  /** Hand over the buffered segments (oldest first, starting on a keyframe) and empty the buffer. */
  drain(): BufferedSegment[] {
    const out = this.segs.map(({ bytes, ...meta }): BufferedSegment => ({
      ...meta,
      length: bytes.length,
      data: bytes.views(),
      release: () => bytes.release(),
    }));
    this.segs = [];
    this.bytes = 0;
    return out;
  }
}
