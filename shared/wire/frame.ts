// Frame codec of the camera<->dock serial link (docs/wire-protocol.md, "Frame").
// Header (18 bytes, big-endian): magic 0xB0 0xCA | version | type | flags | reserved | seq u32 |
// length u32 | header CRC-32 over bytes 0..13. Then payload, then CRC-32 over header+payload.
// The header CRC lets the decoder reject a garbage length at once instead of waiting for bytes.
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { crcOfRange, crcUpdate } from './crc-shift.js';

export const MAGIC0 = 0xb0;
export const MAGIC1 = 0xca;
export const WIRE_VERSION = 1;
export const HEADER_BYTES = 18;
export const TRAILER_BYTES = 4;
/** Largest payload a frame may carry (1 MiB). */
export const MAX_PAYLOAD = 1024 * 1024;
export const MAX_FRAME = HEADER_BYTES + MAX_PAYLOAD + TRAILER_BYTES;

export const FLAG_RESPONSE = 0x01;
export const FLAG_ERROR = 0x02;

const MAGIC = Buffer.from([MAGIC0, MAGIC1]);

export interface Frame {
  type: number;
  flags: number;
  seq: number;
  payload: Buffer;
}

/** Header of a frame whose header verified but whose payload CRC did not (so its seq is known). */
export interface CorruptFrame {
  type: number;
  flags: number;
  seq: number;
}

export function encodeFrame(type: number, flags: number, seq: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new Error(`frame payload ${payload.length} bytes exceeds the ${MAX_PAYLOAD}-byte cap`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length + TRAILER_BYTES);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = WIRE_VERSION;
  out[3] = type & 0xff;
  out[4] = flags & 0xff;
  out[5] = 0;
  out.writeUInt32BE(seq >>> 0, 6);
  out.writeUInt32BE(payload.length, 10);
  out.writeUInt32BE(crc32(out.subarray(0, 14)), 14);
  payload.copy(out, HEADER_BYTES);
  const end = HEADER_BYTES + payload.length;
  out.writeUInt32BE(crc32(out.subarray(0, end)), end);
  return out;
}

export interface DecoderStats {
  frames: number;
  /** Bytes skipped while hunting for the magic (garbage, or a frame that did not verify). */
  skippedBytes: number;
  badHeaders: number;
  badPayloads: number;
  /** Partial frames dropped because they were not completed in time (section 2.1 of the spec). */
  timeouts: number;
}

export interface DecoderOptions {
  /** A partial frame is dropped once the line has been silent this long (ms). */
  idleMs?: number;
  /** A partial frame is dropped when not complete `deadlineBaseMs + length / deadlineBytesPerMs` after its header arrived. */
  deadlineBaseMs?: number;
  deadlineBytesPerMs?: number;
  now?: () => number;
}

export const DECODER_DEFAULTS = { idleMs: 500, deadlineBaseMs: 1000, deadlineBytesPerMs: 512 } as const;

/** Candidate frames (verified headers) tracked at once; more drops the oldest. Real traffic has a few. */
const MAX_CANDIDATES = 1 << 16;
/** The candidate ring starts small and doubles when full (a real line has a few candidates at a time). */
const FIRST_CANDIDATES = 256;
/** Input is processed in slices of at most this many bytes, so the window stays bounded whatever is written. */
const SLICE = 256 * 1024;
/** Running CRC segments longer than this go to zlib; shorter ones are cheaper in a byte loop. */
const NATIVE_CRC_MIN = 256;
const PENDING = 0;
const VALID = 1;
const BAD = 2;
const DROPPED = 3;

const u32 = (w: Buffer, i: number) => ((w[i]! << 24) | (w[i + 1]! << 16) | (w[i + 2]! << 8) | w[i + 3]!) >>> 0;

/** First magic at or after `from` in w[..to): a byte loop for the first bytes (no native call when headers are dense). */
function findMagic(w: Buffer, from: number, to: number): number {
  const near = Math.min(to - 1, from + 64);
  for (let i = from; i < near; i++) if (w[i] === MAGIC0 && w[i + 1] === MAGIC1) return i;
  if (near >= to - 1) return -1;
  const i = w.indexOf(MAGIC, near);
  return i >= 0 && i < to ? i : -1;
}

/**
 * Bytes in, Frame objects out (object mode readable side), with the receiving rules of
 * docs/wire-protocol.md section 2.1. Cost is linear in the input for any byte stream: every header
 * that verifies becomes a candidate whose frame CRC is checked from two running CRCs (crc-shift.ts)
 * instead of by re-reading its bytes, so overlapping candidates (a frame swallowed by a lost chunk, or
 * an attacker's stacked 1 MiB headers) cost O(1) each. Candidates are decided in stream order, exactly
 * as the one-at-a-time algorithm of the spec would. Holds at most one maximal frame plus one slice;
 * a partial frame not completed in time is dropped and its bytes rescanned.
 */
export class FrameDecoder extends Transform {
  readonly stats: DecoderStats = { frames: 0, skippedBytes: 0, badHeaders: 0, badPayloads: 0, timeouts: 0 };
  private readonly o: Required<DecoderOptions>;
  private win = Buffer.alloc(64 * 1024);
  /** Absolute stream positions: win[0] is `base`, data ends at `top`. */
  private base = 0;
  private top = 0;
  /** Next position to look for a magic at. */
  private scanPos = 0;
  /** Position after the last frame delivered or candidate given up (the spec's "current position"). */
  private cursor = 0;
  /** Running CRC over [origin, crcPos); the origin moves freely while no candidate is pending. */
  private crcPos = 0;
  private crcVal = 0;
  // Candidates, a ring in stream order (struct of arrays: no allocation per candidate).
  private cap = FIRST_CANDIDATES;
  private mask = FIRST_CANDIDATES - 1;
  private cA = new Float64Array(FIRST_CANDIDATES);
  private cLen = new Uint32Array(FIRST_CANDIDATES);
  private cSeq = new Uint32Array(FIRST_CANDIDATES);
  private cTypeFlags = new Uint16Array(FIRST_CANDIDATES);
  private cCrc = new Uint32Array(FIRST_CANDIDATES);
  private cAt = new Float64Array(FIRST_CANDIDATES);
  private cState = new Uint8Array(FIRST_CANDIDATES);
  private head = 0;
  private count = 0;
  private pending = 0;
  // Min-heap of candidate ends (position of the frame CRC), with the slot and start to detect stale entries.
  private heapE = new Float64Array(1024);
  private heapA = new Float64Array(1024);
  private heapSlot = new Int32Array(1024);
  private heapN = 0;
  // Ends usually come in stream order: those go to a FIFO (O(1)); only out-of-order ends use the heap.
  private fifoA = new Float64Array(FIRST_CANDIDATES);
  private fifoSlot = new Int32Array(FIRST_CANDIDATES);
  private fifoHead = 0;
  private fifoN = 0;
  private fifoLastE = -1;
  private lastByteAt = 0;
  private timer?: NodeJS.Timeout;

  constructor(opts: DecoderOptions = {}) {
    super({ readableObjectMode: true });
    this.o = { ...DECODER_DEFAULTS, now: Date.now, ...opts };
  }

  /** Bytes currently held waiting for the rest of a frame. */
  bufferedBytes(): number {
    return this.top - this.keepFrom();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length === 0) return cb();
    this.lastByteAt = this.o.now();
    for (let off = 0; off < chunk.length; off += SLICE) {
      this.append(chunk.subarray(off, Math.min(chunk.length, off + SLICE)));
      this.process();
      this.deliver();
    }
    this.armTimer();
    cb();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    clearInterval(this.timer);
    this.timer = undefined;
    cb(err);
  }

  override _flush(cb: TransformCallback): void {
    clearInterval(this.timer);
    this.timer = undefined;
    cb();
  }

  private keepFrom(): number {
    let k = Math.min(this.scanPos, this.cursor);
    if (this.count > 0) k = Math.min(k, this.cA[this.head]!);
    if (this.pending > 0) k = Math.min(k, this.crcPos);
    return Math.max(this.base, Math.min(k, this.top));
  }

  private append(b: Buffer): void {
    if (this.top + b.length - this.base > this.win.length) {
      const keep = this.keepFrom();
      const len = this.top - keep;
      if (len + b.length > this.win.length) {
        const next = Buffer.allocUnsafe(Math.max(this.win.length * 2, len + b.length));
        this.win.copy(next, 0, keep - this.base, this.top - this.base);
        this.win = next;
      } else {
        this.win.copyWithin(0, keep - this.base, this.top - this.base);
      }
      this.base = keep;
      // Shrink back after a burst: a big window is only needed while a big frame is arriving.
      if (this.win.length > 4 * 1024 * 1024 && len + b.length <= 1024 * 1024) {
        const next = Buffer.allocUnsafe(2 * 1024 * 1024);
        this.win.copy(next, 0, 0, len);
        this.win = next;
      }
    }
    b.copy(this.win, this.top - this.base);
    this.top += b.length;
  }

  private advanceCrc(to: number): void {
    const from = this.crcPos - this.base;
    const n = to - this.crcPos;
    this.crcVal = n > NATIVE_CRC_MIN ? crc32(this.win.subarray(from, from + n), this.crcVal) : crcUpdate(this.crcVal, this.win, from, from + n);
    this.crcPos = to;
  }

  /** Find headers and decide candidates whose end has arrived, strictly in stream order. */
  private process(): void {
    const w = this.win;
    let nextMagic = -1;
    for (;;) {
      if (nextMagic < this.scanPos) {
        const i = findMagic(w, this.scanPos - this.base, this.top - this.base);
        nextMagic = i < 0 ? Infinity : this.base + i;
        if (i < 0) this.scanPos = Math.max(this.scanPos, this.top - (w[this.top - 1 - this.base] === MAGIC0 ? 1 : 0)); // a final 0xB0 may start a magic
      }
      const headerReady = nextMagic + HEADER_BYTES <= this.top;
      const blockedAt = headerReady ? Infinity : nextMagic;
      const e = this.peekEnd();
      const nextEnd = e + TRAILER_BYTES <= this.top && e <= blockedAt ? e : Infinity;
      const nextHeader = headerReady ? nextMagic : Infinity;
      if (nextEnd === Infinity && nextHeader === Infinity) return;
      if (nextEnd <= nextHeader) this.decide();
      else {
        this.header(nextHeader);
        this.scanPos = nextHeader + 1;
      }
    }
  }

  private live(h: number): boolean {
    return this.liveSlot(this.heapSlot[h]!, this.heapA[h]!);
  }

  private liveSlot(slot: number, a: number): boolean {
    // A slot given back and reused holds another start, so start + state identify the entry.
    return this.cState[slot] === PENDING && this.cA[slot] === a;
  }

  /** Position of the next candidate end (FIFO or heap), Infinity if none; drops stale entries. */
  private peekEnd(): number {
    while (this.fifoN > 0 && !this.liveSlot(this.fifoSlot[this.fifoHead]!, this.fifoA[this.fifoHead]!)) this.fifoPop();
    while (this.heapN > 0 && !this.live(0)) this.heapPop();
    const f = this.fifoN > 0 ? this.fifoA[this.fifoHead]! + HEADER_BYTES + this.cLen[this.fifoSlot[this.fifoHead]!]! : Infinity;
    const h = this.heapN > 0 ? this.heapE[0]! : Infinity;
    return Math.min(f, h);
  }

  private fifoPop(): void {
    this.fifoHead = (this.fifoHead + 1) & this.mask;
    this.fifoN--;
  }

  private pushEnd(e: number, a: number, slot: number): void {
    if (this.fifoN < this.cap && (this.fifoN === 0 || e >= this.fifoLastE)) {
      const k = (this.fifoHead + this.fifoN) & this.mask;
      this.fifoA[k] = a;
      this.fifoSlot[k] = slot;
      this.fifoN++;
      this.fifoLastE = e;
    } else this.heapPush(e, a, slot);
  }


  private header(a: number): void {
    const i = a - this.base;
    const w = this.win;
    if (w[i + 2] !== WIRE_VERSION) {
      this.stats.badHeaders++;
      return;
    }
    const length = u32(w, i + 10);
    if (length > MAX_PAYLOAD || u32(w, i + 14) !== crcUpdate(0, w, i, i + 14)) {
      this.stats.badHeaders++;
      return;
    }
    // With nothing pending the running CRC may restart here instead of crossing garbage.
    if (this.pending === 0) {
      this.crcPos = a;
      this.crcVal = 0;
    } else this.advanceCrc(a);
    if (this.count === this.cap) {
      if (this.cap < MAX_CANDIDATES) this.grow();
      else this.give(this.head, true);
    }
    const slot = (this.head + this.count) & this.mask;
    this.count++;
    this.pending++;
    this.cA[slot] = a;
    this.cLen[slot] = length;
    this.cSeq[slot] = u32(w, i + 6);
    this.cTypeFlags[slot] = (w[i + 3]! << 8) | w[i + 4]!;
    this.cCrc[slot] = this.crcVal;
    this.cAt[slot] = this.lastByteAt;
    this.cState[slot] = PENDING;
    this.pushEnd(a + HEADER_BYTES + length, a, slot);
  }

  /** The candidate whose frame CRC is next in the stream has all its bytes: check it. */
  private decide(): void {
    let slot: number;
    let e: number;
    const f = this.fifoN > 0 ? this.fifoA[this.fifoHead]! + HEADER_BYTES + this.cLen[this.fifoSlot[this.fifoHead]!]! : Infinity;
    if (this.heapN > 0 && this.heapE[0]! < f) {
      e = this.heapE[0]!;
      slot = this.heapSlot[0]!;
      this.heapPop();
    } else {
      e = f;
      slot = this.fifoSlot[this.fifoHead]!;
      this.fifoPop();
    }
    this.advanceCrc(e);
    const a = this.cA[slot]!;
    const ok = crcOfRange(this.cCrc[slot]!, this.crcVal, e - a) === u32(this.win, e - this.base);
    this.cState[slot] = ok ? VALID : BAD;
    this.pending--;
  }

  /** Hand out decided candidates in stream order, as the spec's one-at-a-time receiver would. */
  private deliver(): void {
    while (this.count > 0) {
      const slot = this.head;
      const a = this.cA[slot]!;
      const state = this.cState[slot]!;
      if (a < this.cursor) { // inside a frame already delivered
        this.popHead();
        continue;
      }
      if (state === PENDING) break;
      this.stats.skippedBytes += a - this.cursor;
      const tf = this.cTypeFlags[slot]!;
      const type = tf >> 8;
      const flags = tf & 0xff;
      const seq = this.cSeq[slot]!;
      if (state === VALID) {
        const start = a + HEADER_BYTES - this.base;
        const payload = Buffer.from(this.win.subarray(start, start + this.cLen[slot]!)); // the window is reused
        this.cursor = a + HEADER_BYTES + this.cLen[slot]! + TRAILER_BYTES;
        this.popHead();
        this.stats.frames++;
        this.push({ type, flags, seq, payload } satisfies Frame);
        continue;
      }
      // Drop it, but rescan its bytes: a lost chunk may have pulled the next frame inside it.
      this.stats.skippedBytes += 1;
      this.cursor = a + 1;
      this.popHead();
      if (state === BAD) {
        this.stats.badPayloads++;
        if (this.listenerCount('corrupt') > 0) this.emit('corrupt', { type, flags, seq } satisfies CorruptFrame);
      }
    }
    if (this.count === 0 && this.scanPos > this.cursor) {
      this.stats.skippedBytes += this.scanPos - this.cursor;
      this.cursor = this.scanPos;
    }
  }

  /** Double the candidate ring; FIFO and heap entries are re-pointed by start position (unique per candidate). */
  private grow(): void {
    const cap = this.cap * 2;
    const moved = new Map<number, number>();
    const cA = new Float64Array(cap), cLen = new Uint32Array(cap), cSeq = new Uint32Array(cap), cTypeFlags = new Uint16Array(cap);
    const cCrc = new Uint32Array(cap), cAt = new Float64Array(cap), cState = new Uint8Array(cap);
    for (let k = 0; k < this.count; k++) {
      const o = (this.head + k) & this.mask;
      cA[k] = this.cA[o]!; cLen[k] = this.cLen[o]!; cSeq[k] = this.cSeq[o]!; cTypeFlags[k] = this.cTypeFlags[o]!;
      cCrc[k] = this.cCrc[o]!; cAt[k] = this.cAt[o]!; cState[k] = this.cState[o]!;
      moved.set(this.cA[o]!, k);
    }
    const fifoA = new Float64Array(cap), fifoSlot = new Int32Array(cap);
    for (let k = 0; k < this.fifoN; k++) {
      const o = (this.fifoHead + k) & this.mask;
      fifoA[k] = this.fifoA[o]!;
      fifoSlot[k] = moved.get(this.fifoA[o]!) ?? -1;
    }
    for (let h = 0; h < this.heapN; h++) this.heapSlot[h] = moved.get(this.heapA[h]!) ?? -1;
    Object.assign(this, { cA, cLen, cSeq, cTypeFlags, cCrc, cAt, cState, fifoA, fifoSlot, cap, mask: cap - 1, head: 0, fifoHead: 0 });
  }

  private popHead(): void {
    if (this.cState[this.head] === PENDING) this.pending--;
    this.cState[this.head] = DROPPED;
    this.head = (this.head + 1) & this.mask;
    this.count--;
  }

  /** Give up a pending candidate (deadline, or too many candidates): like a bad CRC, without the NAK. */
  private give(slot: number, _overflow = false): void {
    if (this.cState[slot] !== PENDING) return;
    this.cState[slot] = DROPPED;
    this.pending--;
    this.stats.timeouts++;
    if (slot === this.head) {
      this.stats.skippedBytes += this.cA[slot]! - this.cursor + 1;
      this.cursor = this.cA[slot]! + 1;
      this.head = (this.head + 1) & this.mask;
      this.count--;
    }
  }

  private armTimer(): void {
    if (this.pending === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer) return;
    const every = Math.max(10, Math.min(this.o.idleMs, this.o.deadlineBaseMs) / 4);
    // setImmediate: a line read waiting in the same loop turn is taken before a frame is given up.
    this.timer = setInterval(() => setImmediate(() => this.expire()), every);
    this.timer.unref();
  }

  private expire(): void {
    if (this.pending === 0 || this.destroyed) return this.armTimer();
    const now = this.o.now();
    const idle = now - this.lastByteAt >= this.o.idleMs;
    for (let k = 0, slot = this.head; k < this.count; k++, slot = (slot + 1) & this.mask) {
      if (this.cState[slot] !== PENDING) continue;
      if (idle || now - this.cAt[slot]! >= this.o.deadlineBaseMs + this.cLen[slot]! / this.o.deadlineBytesPerMs) this.give(slot);
    }
    this.deliver();
    this.armTimer();
  }

  private heapPush(e: number, a: number, slot: number): void {
    if (this.heapN === this.heapE.length) {
      // Stale entries (candidates delivered over or given up) go first; grow only if all are live.
      let n = 0;
      for (let h = 0; h < this.heapN; h++) if (this.live(h)) { this.heapE[n] = this.heapE[h]!; this.heapA[n] = this.heapA[h]!; this.heapSlot[n] = this.heapSlot[h]!; n++; }
      this.heapN = n;
      for (let h = (n >> 1) - 1; h >= 0; h--) this.siftDown(h);
      if (n > this.heapE.length / 2) {
        const grow = <T extends Float64Array | Int32Array>(x: T, make: (n: number) => T): T => { const y = make(x.length * 2); y.set(x); return y; };
        this.heapE = grow(this.heapE, (k) => new Float64Array(k));
        this.heapA = grow(this.heapA, (k) => new Float64Array(k));
        this.heapSlot = grow(this.heapSlot, (k) => new Int32Array(k));
      }
    }
    let h = this.heapN++;
    while (h > 0) {
      const p = (h - 1) >> 1;
      if (this.heapE[p]! <= e) break;
      this.heapE[h] = this.heapE[p]!; this.heapA[h] = this.heapA[p]!; this.heapSlot[h] = this.heapSlot[p]!;
      h = p;
    }
    this.heapE[h] = e; this.heapA[h] = a; this.heapSlot[h] = slot;
  }

  private heapPop(): void {
    this.heapN--;
    if (this.heapN === 0) return;
    this.heapE[0] = this.heapE[this.heapN]!; this.heapA[0] = this.heapA[this.heapN]!; this.heapSlot[0] = this.heapSlot[this.heapN]!;
    this.siftDown(0);
  }

  private siftDown(h: number): void {
    const n = this.heapN;
    const e = this.heapE[h]!, a = this.heapA[h]!, slot = this.heapSlot[h]!;
    for (;;) {
      let c = 2 * h + 1;
      if (c >= n) break;
      if (c + 1 < n && this.heapE[c + 1]! < this.heapE[c]!) c++;
      if (this.heapE[c]! >= e) break;
      this.heapE[h] = this.heapE[c]!; this.heapA[h] = this.heapA[c]!; this.heapSlot[h] = this.heapSlot[c]!;
      h = c;
    }
    this.heapE[h] = e; this.heapA[h] = a; this.heapSlot[h] = slot;
  }
}
