// Splits an MPEG-TS byte stream into GOP-aligned VideoSegments. Reads PAT/PMT for the video and
// audio PIDs, starts a segment at each video PES whose packet has random_access_indicator set or
// whose payload holds an H.264 IDR / HEVC IRAP NAL, and times segments from the video PTS.
import { Transform, type TransformCallback } from 'node:stream';
import type { VideoSegment } from '../../shared/hal.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { SegmentBuffers } from '../segment-buffers.js';

const PKT = 188;
const VIDEO_TYPES = new Set([0x01, 0x02, 0x1b, 0x24]);
const AUDIO_TYPES = new Set([0x03, 0x04, 0x0f, 0x11, 0x81]);

function payloadOffset(p: Buffer): number {
  const afc = (p[3]! >> 4) & 3;
  if (afc === 2) return PKT; // adaptation only
  return afc === 3 ? 5 + p[4]! : 4;
}

function hasIdr(b: Buffer, from: number, hevc: boolean): boolean {
  for (let i = from; i + 3 < b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      const h = b[i + 3]!;
      if (hevc ? ((h >> 1) & 0x3f) >= 16 && ((h >> 1) & 0x3f) <= 21 : (h & 0x1f) === 5 || (h & 0x1f) === 7) return true;
    }
  }
  return false;
}

function readPts(p: Buffer, off: number): number | undefined {
  if (p[off] !== 0 || p[off + 1] !== 0 || p[off + 2] !== 1 || !(p[off + 7]! & 0x80)) return undefined;
  const o = off + 9;
  return ((p[o]! >> 1) & 7) * 2 ** 30 + ((p[o + 1]! << 7) | (p[o + 2]! >> 1)) * 2 ** 15 + ((p[o + 3]! << 7) | (p[o + 4]! >> 1));
}

export class TsSplitter extends Transform {
  private rest = Buffer.alloc(0);
  private pmtPid = -1;
  private videoPid = -1;
  private videoHevc = false;
  private audioPids: number[] = [];
  private pending: Buffer[] = []; // PSI packets waiting for the next video packet
  private cur: { pkts: Buffer[]; pts: number | undefined; keyframe: boolean } | undefined;
  private seq = 0;
  private base: { pts: number; ms: number } | undefined;
  private lastPts: number | undefined;

  /** With recycle: segments go to onSegment listeners in reused buffers (VideoSegment.retain), not down the stream. */
  private readonly buffers: SegmentBuffers | undefined;
  private readonly segListeners: Set<(s: VideoSegment) => void> | undefined;

  constructor(private readonly clock: Clock = systemClock, private readonly defaultDurationMs = 1000, recycle?: { listeners: Set<(s: VideoSegment) => void> }) {
    super({ readableObjectMode: true });
    if (recycle) {
      this.buffers = new SegmentBuffers();
      this.segListeners = recycle.listeners;
    }
  }

  override _transform(chunk: Buffer, _enc: string, cb: TransformCallback): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let off = 0;
    while (off + PKT <= buf.length) {
      if (buf[off] !== 0x47) {
        off++; // resync on a lost byte
        continue;
      }
      // A view, not a copy: the chunk is only read, and the packets are copied once, into the segment.
      this.packet(buf.subarray(off, off + PKT));
      off += PKT;
    }
    this.rest = Buffer.from(buf.subarray(off));
    buf = Buffer.alloc(0);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.cur) this.cur.pkts.push(...this.pending);
    this.pending = [];
    this.emitCurrent(undefined);
    cb();
  }

  private packet(p: Buffer): void {
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    const pusi = (p[1]! & 0x40) !== 0;
    if (pid === 0 || pid === this.pmtPid) {
      if (pusi) this.parsePsi(p, pid);
      this.pending.push(p);
      return;
    }
    if (pid === this.videoPid) {
      const afc = (p[3]! >> 4) & 3;
      const rai = afc >= 2 && p[4]! > 0 && (p[5]! & 0x40) !== 0;
      const po = payloadOffset(p);
      const pts = pusi && po < PKT ? readPts(p, po) : undefined;
      if (pusi && (rai || hasIdr(p, po, this.videoHevc))) {
        this.emitCurrent(pts);
        this.cur = { pkts: [], pts, keyframe: true };
      }
      if (pts !== undefined) this.lastPts = pts;
      if (!this.cur) this.cur = { pkts: [], pts, keyframe: false };
      this.cur.pkts.push(...this.pending, p);
      this.pending = [];
      return;
    }
    if (this.cur) this.cur.pkts.push(p);
    else this.pending.push(p); // e.g. SDT before the first video packet
  }

  private parsePsi(p: Buffer, pid: number): void {
    const s = payloadOffset(p) + 1 + p[payloadOffset(p)]!; // skip pointer_field
    const len = ((p[s + 1]! & 0x0f) << 8) | p[s + 2]!;
    const end = Math.min(s + 3 + len - 4, PKT);
    if (pid === 0) {
      for (let i = s + 8; i + 4 <= end; i += 4) {
        const prog = (p[i]! << 8) | p[i + 1]!;
        if (prog !== 0) this.pmtPid = ((p[i + 2]! & 0x1f) << 8) | p[i + 3]!;
      }
      return;
    }
    const infoLen = ((p[s + 10]! & 0x0f) << 8) | p[s + 11]!;
    const audio: number[] = [];
    for (let i = s + 12 + infoLen; i + 5 <= end; ) {
      const type = p[i]!;
      const epid = ((p[i + 1]! & 0x1f) << 8) | p[i + 2]!;
      if (VIDEO_TYPES.has(type) && this.videoPid < 0) {
        this.videoPid = epid;
        this.videoHevc = type === 0x24;
      }
      if (AUDIO_TYPES.has(type)) audio.push(epid);
      i += 5 + (((p[i + 3]! & 0x0f) << 8) | p[i + 4]!);
    }
    this.audioPids = audio;
  }

  private toMs(pts: number | undefined): number {
    if (pts === undefined) return this.clock.now();
    if (!this.base) this.base = { pts, ms: this.clock.now() };
    return this.base.ms + Math.round((pts - this.base.pts) / 90);
  }

  private emitCurrent(nextPts: number | undefined): void {
    const c = this.cur;
    if (!c || c.pkts.length === 0) return;
    this.cur = undefined;
    const startMs = this.toMs(c.pts);
    const endPts = nextPts ?? (this.lastPts !== undefined ? this.lastPts + 3600 : undefined);
    const durationMs = endPts !== undefined && c.pts !== undefined ? Math.max(1, Math.round((endPts - c.pts) / 90)) : this.defaultDurationMs;
    const meta = { seq: this.seq++, startMs, durationMs, keyframe: c.keyframe, audioPids: [...this.audioPids] };
    if (!this.buffers) return void this.push({ ...meta, data: Buffer.concat(c.pkts) });
    const size = c.pkts.length * PKT;
    const backing = this.buffers.take(size);
    let o = 0;
    for (const p of c.pkts) o += p.copy(backing, o);
    this.buffers.emit({ ...meta, data: backing.subarray(0, size) }, backing, this.segListeners!);
  }
}
