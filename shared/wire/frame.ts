// Frame codec of the camera<->dock serial link (docs/wire-protocol.md, "Frame").
// Header (18 bytes, big-endian): magic 0xB0 0xCA | version | type | flags | reserved | seq u32 |
// length u32 | header CRC-32 over bytes 0..13. Then payload, then CRC-32 over header+payload.
// The header CRC lets the decoder reject a garbage length at once instead of waiting for bytes.
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { CRC_T, HEADER_T, crcOfRange, crcUpdateHeader, crcUpdateView, hotShift } from './crc-shift.js';

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
  /** Window base at which positions are moved down (tests lower it to cross the move often). */
  rebaseAt?: number;
  /** Candidates tracked at once, a power of two (tests lower it to reach the cap). */
  maxCandidates?: number;
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
/**
 * Stream positions are small integers (int32 arrays, no boxed doubles in the hot loop): every 256 MiB
 * they are moved down by the window base. NONE is above any position.
 */
const REBASE_AT = 1 << 28;
const NONE = 0x3fffffff;
/**
 * A candidate is four int32s in one ring (one cache line holds four; nothing is allocated per header):
 * its start, its payload length with its state in the top byte, the running CRC at its start, and the
 * time its header arrived (ms, modulo 2^32: only differences of seconds are taken).
 */
const STRIDE = 4;
const LEN = 1;
const CRC = 2;
const AT = 3;
const STATE_SHIFT = 24;
const LEN_MASK = (1 << STATE_SHIFT) - 1;
/** Pending, its end in the FIFO (ends in stream order: the ring itself, walked by a pointer). */
const PENDING = 0;
/** Pending, its end out of order (inside a longer candidate): in the heap. */
const PENDING_HEAP = 1;
const VALID = 2;
const BAD = 3;
const DROPPED = 4;
/** lenState values below this are pending candidates; PENDING ones are below PENDING_HEAP's. */
const DECIDED_MIN = VALID << STATE_SHIFT;
const IN_HEAP_MIN = PENDING_HEAP << STATE_SHIFT;

/**
 * First magic at or after `from` in w[..to). Near `from` (headers may be dense) a JS loop looks for
 * the magic's second byte four bytes per load (no native call); further on, Buffer.indexOf.
 */
function findMagic(w: Buffer, v: DataView, from: number, to: number): number {
  const near = Math.min(to, from + 64); // where a magic's second byte is looked for here: [from + 1, near)
  let k = from + 1;
  for (; k + 4 <= near; k += 4) {
    const x = v.getInt32(k) ^ 0xcacacaca; // a zero byte where the second magic byte is
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) {
      for (let j = k; j < k + 4; j++) if (w[j] === MAGIC1 && w[j - 1] === MAGIC0) return j - 1;
    }
  }
  for (; k < near; k++) if (w[k] === MAGIC1 && w[k - 1] === MAGIC0) return k - 1;
  if (near >= to) return -1;
  const i = w.indexOf(MAGIC, k - 1);
  return i >= 0 && i < to ? i : -1;
}

/** A running CRC continued over w[from, to): zlib for a long span, a JS loop (no native call) for a short one. */
function crcSpan(crc: number, w: Buffer, v: DataView, from: number, to: number): number {
  return to - from > NATIVE_CRC_MIN ? crc32(w.subarray(from, to), crc >>> 0) | 0 : crcUpdateView(crc, v, from, to);
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
  private readonly o: Required<Omit<DecoderOptions, 'rebaseAt' | 'maxCandidates'>>;
  private win: Buffer = Buffer.alloc(64 * 1024);
  /** The window as a DataView (word loads for the CRC loop and header fields). */
  private view: DataView = new DataView(this.win.buffer, this.win.byteOffset, this.win.byteLength);
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
  /** The running CRC at the end of the last header checked (its header CRC came from it): no byte is CRC'd twice. */
  private lookPos = -1;
  private lookVal = 0;
  /** Candidates in stream order: a ring of STRIDE int32s each (see STRIDE), `count` from slot `head`. */
  private cap = FIRST_CANDIDATES;
  private mask = FIRST_CANDIDATES - 1;
  private cand = new Int32Array(FIRST_CANDIDATES * STRIDE);
  private head = 0;
  private count = 0;
  private pending = 0;
  /**
   * Ends usually come in stream order (every candidate so far ended after the one before it): such
   * candidates are PENDING and their ends are decided by walking the ring from `fifoOff` (an offset
   * from `head`); the end of the last one is `fifoLastE`. Only an end before that goes to the heap.
   */
  private fifoOff = 0;
  private fifoLastE = -1;
  // Min-heap of out-of-order candidate ends, with the slot and start to detect stale entries.
  private heapE = new Int32Array(1024);
  private heapA = new Int32Array(1024);
  private heapSlot = new Int32Array(1024);
  private heapN = 0;
  private lastByteAt = 0;
  /** The deadline check's last run, its interval, and whether it let the last late run pass (expire). */
  private lastTick = 0;
  private tickMs = 0;
  private passedLate = false;
  private readonly rebaseAt: number;
  private readonly maxCandidates: number;
  /** Stream bytes the positions were moved down by (positions are relative to it). */
  private rebased = 0;
  private timer?: NodeJS.Timeout;

  constructor(opts: DecoderOptions = {}) {
    super({ readableObjectMode: true });
    const { rebaseAt, maxCandidates, ...o } = opts;
    this.o = { ...DECODER_DEFAULTS, now: Date.now, ...o };
    this.rebaseAt = rebaseAt ?? REBASE_AT;
    this.maxCandidates = maxCandidates ?? MAX_CANDIDATES;
    if (this.maxCandidates < FIRST_CANDIDATES || (this.maxCandidates & (this.maxCandidates - 1)) !== 0) {
      throw new RangeError(`maxCandidates ${this.maxCandidates}: a power of two, at least ${FIRST_CANDIDATES}`);
    }
  }

  /** Bytes currently held waiting for the rest of a frame. */
  bufferedBytes(): number {
    return this.top - this.keepFrom();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length === 0) return cb();
    this.lastByteAt = this.o.now();
    for (let off = 0; off < chunk.length; off += SLICE) {
      this.append(off === 0 && chunk.length <= SLICE ? chunk : chunk.subarray(off, Math.min(chunk.length, off + SLICE)));
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
    if (this.count > 0) k = Math.min(k, this.cand[this.head * STRIDE]!);
    if (this.pending > 0) k = Math.min(k, this.crcPos);
    return Math.max(this.base, Math.min(k, this.top));
  }

  private setWindow(w: Buffer): void {
    this.win = w;
    this.view = new DataView(w.buffer, w.byteOffset, w.byteLength);
  }

  private append(b: Buffer): void {
    if (this.top + b.length - this.base > this.win.length) {
      const keep = this.keepFrom();
      const len = this.top - keep;
      if (len + b.length > this.win.length) {
        const next = Buffer.allocUnsafe(Math.max(this.win.length * 2, len + b.length));
        this.win.copy(next, 0, keep - this.base, this.top - this.base);
        this.setWindow(next);
      } else {
        this.win.copyWithin(0, keep - this.base, this.top - this.base);
      }
      this.base = keep;
      if (this.base >= this.rebaseAt) this.rebase();
      // Shrink back after a burst: a big window is only needed while a big frame is arriving.
      if (this.win.length > 4 * 1024 * 1024 && len + b.length <= 1024 * 1024) {
        const next = Buffer.allocUnsafe(2 * 1024 * 1024);
        this.win.copy(next, 0, 0, len);
        this.setWindow(next);
      }
    }
    this.win.set(b, this.top - this.base);
    this.top += b.length;
  }

  /** Move every stored position down by `base` (positions before the window become -1: never live). */
  private rebase(): void {
    const d = this.base;
    const down = (x: number) => Math.max(x - d, -1);
    this.base = 0;
    this.top -= d;
    this.scanPos -= d;
    this.cursor -= d;
    this.crcPos = down(this.crcPos);
    this.lookPos = down(this.lookPos);
    this.fifoLastE = down(this.fifoLastE);
    for (let k = 0; k < this.cand.length; k += STRIDE) this.cand[k] = down(this.cand[k]!);
    for (let h = 0; h < this.heapN; h++) {
      this.heapE[h] = down(this.heapE[h]!);
      this.heapA[h] = down(this.heapA[h]!);
    }
    this.rebased += d;
  }

  /**
   * Find headers and decide candidates whose end has arrived, strictly in stream order: a header and
   * an end are taken in the order of their positions, as the running CRC only moves forward. This loop
   * is the decoder's cost on stacked headers, so its per-header steps are written out (crc-shift.ts
   * has them as functions) and the ring's indices live in locals, stored back around the rare calls.
   */
  private process(): void {
    const w = this.win;
    const v = this.view;
    const base = this.base;
    const top = this.top;
    const lastHeader = top - HEADER_BYTES; // a header starting here or before has all its bytes
    const lastEnd = top - TRAILER_BYTES; // likewise a frame CRC
    const at = this.lastByteAt; // stored modulo 2^32 (see STRIDE)
    let c = this.cand;
    let mask = this.mask;
    let head = this.head;
    let count = this.count;
    let pending = this.pending;
    let fifoOff = this.fifoOff;
    let fifoLastE = this.fifoLastE;
    let scan = this.scanPos;
    let crcPos = this.crcPos;
    let crcVal = this.crcVal;
    let lookPos = this.lookPos;
    let lookVal = this.lookVal;
    let badHeaders = 0;
    let magic = -1; // the first magic at or after `scan` (NONE: none in the window)
    let end = this.peekEnd(); // the next candidate end
    for (;;) {
      if (magic < scan) {
        const i = findMagic(w, v, scan - base, top - base);
        if (i >= 0) magic = base + i;
        else {
          magic = NONE;
          scan = Math.max(scan, top - (w[top - 1 - base] === MAGIC0 ? 1 : 0)); // a final 0xB0 may start a magic
        }
      }
      if (end <= magic) {
        if (end > lastEnd) break;
        // Decide the candidate whose frame CRC is at `end` (the heap's top, or the FIFO's next one).
        let slot: number;
        if (this.heapN > 0 && this.heapE[0] === end) {
          slot = this.heapSlot[0]!;
          this.heapPop();
        } else {
          slot = (head + fifoOff) & mask;
          fifoOff++;
        }
        const s = slot * STRIDE;
        const ls = c[s + LEN]!;
        if (ls < DECIDED_MIN) { // always: `end` is a pending candidate's
          if (end >= lookPos && lookPos > crcPos) {
            crcPos = lookPos;
            crcVal = lookVal;
          }
          if (end - crcPos === 4) { // the step between stacked headers, written out (crcUpdateView)
            const r = ~crcVal ^ v.getInt32(crcPos - base, true);
            crcVal = ~(CRC_T[768 + (r & 0xff)]! ^ CRC_T[512 + ((r >>> 8) & 0xff)]! ^ CRC_T[256 + ((r >>> 16) & 0xff)]! ^ CRC_T[r >>> 24]!);
          } else crcVal = crcSpan(crcVal, w, v, crcPos - base, end - base);
          crcPos = end;
          // The frame's CRC from the running CRCs at its start and end (crcOfRange; its table written out).
          const n = end - c[s]!;
          let crc: number;
          if (n === hotShift.n) {
            const t = hotShift.t;
            const x = c[s + CRC]! >>> 0;
            crc = crcVal ^ t[x & 0xff]! ^ t[256 + ((x >>> 8) & 0xff)]! ^ t[512 + ((x >>> 16) & 0xff)]! ^ t[768 + (x >>> 24)]!;
          } else crc = crcOfRange(c[s + CRC]!, crcVal, n);
          c[s + LEN] = (ls & LEN_MASK) | ((crc === v.getInt32(end - base) ? VALID : BAD) << STATE_SHIFT);
          pending--;
        }
        // The next end: the FIFO's next pending candidate, or the heap's top if that comes first.
        end = NONE;
        for (; fifoOff < count; fifoOff++) {
          const s2 = ((head + fifoOff) & mask) * STRIDE;
          const ls2 = c[s2 + LEN]!;
          if (ls2 < IN_HEAP_MIN) {
            end = c[s2]! + HEADER_BYTES + ls2;
            break;
          }
        }
        if (end === NONE) fifoLastE = -1; // nothing pending in the FIFO: any end may start it again
        if (this.heapN > 0) end = Math.min(end, this.heapTop());
        continue;
      }
      if (magic > lastHeader) break;
      // Check the header at `a`; a verified one becomes a candidate.
      const a = magic;
      const i = a - base;
      scan = a + 1;
      const length = v.getUint32(i + 10);
      if (w[i + 2] !== WIRE_VERSION || length > MAX_PAYLOAD) {
        badHeaders++;
        continue;
      }
      // The header CRC from its own bytes (no dependency on the running CRC)...
      const hdr = crcUpdateHeader(0, v, i);
      if (v.getInt32(i + 14) !== hdr) {
        badHeaders++;
        continue;
      }
      // ...then the running CRC to the header start (with nothing pending it restarts there instead of
      // crossing garbage); the one after the header follows from both without reading its bytes again.
      if (pending === 0) {
        crcPos = a;
        crcVal = 0;
      } else {
        if (a >= lookPos && lookPos > crcPos) {
          crcPos = lookPos;
          crcVal = lookVal;
        }
        if (a - crcPos === 4) {
          const r = ~crcVal ^ v.getInt32(crcPos - base, true);
          crcVal = ~(CRC_T[768 + (r & 0xff)]! ^ CRC_T[512 + ((r >>> 8) & 0xff)]! ^ CRC_T[256 + ((r >>> 16) & 0xff)]! ^ CRC_T[r >>> 24]!);
        } else crcVal = crcSpan(crcVal, w, v, crcPos - base, i);
        crcPos = a;
      }
      lookPos = a + 14;
      const x = crcVal >>> 0; // crcAfterHeader, written out
      lookVal = hdr ^ HEADER_T[x & 0xff]! ^ HEADER_T[256 + ((x >>> 8) & 0xff)]! ^ HEADER_T[512 + ((x >>> 16) & 0xff)]! ^ HEADER_T[768 + (x >>> 24)]!;
      let gaveUp = false;
      if (count === this.cap) { // the ring is full: grow it, or give up the oldest candidate
        this.head = head;
        this.count = count;
        this.pending = pending;
        this.fifoOff = fifoOff;
        if (this.cap < this.maxCandidates) this.grow();
        else gaveUp = this.give(this.head);
        c = this.cand;
        mask = this.mask;
        head = this.head;
        count = this.count;
        pending = this.pending;
        fifoOff = this.fifoOff;
      }
      const slot = (head + count) & mask;
      count++;
      pending++;
      const e = a + HEADER_BYTES + length;
      let state = PENDING;
      if (e >= fifoLastE) fifoLastE = e;
      else {
        state = PENDING_HEAP;
        this.heapPush(e, a, slot);
      }
      const s = slot * STRIDE;
      c[s] = a;
      c[s + LEN] = length | (state << STATE_SHIFT);
      c[s + CRC] = crcVal;
      c[s + AT] = at;
      // Only a candidate given up for room can hide the cached end; a new one can only come first.
      if (gaveUp) {
        this.count = count;
        this.fifoOff = fifoOff;
        this.fifoLastE = fifoLastE;
        end = this.peekEnd();
        fifoOff = this.fifoOff;
        fifoLastE = this.fifoLastE;
      } else if (e < end) end = e;
    }
    this.head = head;
    this.count = count;
    this.pending = pending;
    this.fifoOff = fifoOff;
    this.fifoLastE = fifoLastE;
    this.scanPos = scan;
    this.crcPos = crcPos;
    this.crcVal = crcVal;
    this.lookPos = lookPos;
    this.lookVal = lookVal;
    if (badHeaders > 0) this.stats.badHeaders += badHeaders;
  }

  private live(h: number): boolean {
    // A slot given back and reused holds another start, so start + state identify the entry.
    const s = this.heapSlot[h]! * STRIDE;
    return this.cand[s + LEN]! >>> STATE_SHIFT === PENDING_HEAP && this.cand[s] === this.heapA[h];
  }

  /** Position of the next candidate end (FIFO or heap), NONE if none; steps over decided and given-up ones. */
  private peekEnd(): number {
    const c = this.cand;
    let off = this.fifoOff;
    let f = NONE;
    for (; off < this.count; off++) {
      const s = ((this.head + off) & this.mask) * STRIDE;
      const ls = c[s + LEN]!;
      if (ls < IN_HEAP_MIN) {
        f = c[s]! + HEADER_BYTES + ls;
        break;
      }
    }
    this.fifoOff = off;
    if (f === NONE) this.fifoLastE = -1; // nothing pending in the FIFO: any end may start it again
    return this.heapN === 0 ? f : Math.min(f, this.heapTop());
  }

  /** The heap's first live end (stale entries dropped), NONE if none. */
  private heapTop(): number {
    while (this.heapN > 0 && !this.live(0)) this.heapPop();
    return this.heapN > 0 ? this.heapE[0]! : NONE;
  }

  /** Hand out decided candidates in stream order, as the spec's one-at-a-time receiver would. */
  private deliver(): void {
    let corruptListened: boolean | undefined;
    let skipped = 0; // counted here, added to the stats once
    let bad = 0;
    const c = this.cand;
    while (this.count > 0) {
      const s = this.head * STRIDE;
      const a = c[s]!;
      const ls = c[s + LEN]!;
      if (a < this.cursor) { // inside a frame already delivered
        this.popHead();
        continue;
      }
      if (ls < DECIDED_MIN) break; // pending
      skipped += a - this.cursor;
      // Its header is still in the window (the window keeps the oldest candidate's bytes).
      const h = a - this.base;
      const state = ls >>> STATE_SHIFT;
      if (state === VALID) {
        const len = ls & LEN_MASK;
        const start = h + HEADER_BYTES;
        const payload = Buffer.from(this.win.subarray(start, start + len)); // the window is reused
        this.cursor = a + HEADER_BYTES + len + TRAILER_BYTES;
        this.popHead();
        this.stats.frames++;
        this.push({ type: this.win[h + 3]!, flags: this.win[h + 4]!, seq: this.view.getUint32(h + 6), payload } satisfies Frame);
        continue;
      }
      // Drop it, but rescan its bytes: a lost chunk may have pulled the next frame inside it.
      skipped += 1;
      this.cursor = a + 1;
      this.popHead();
      if (state === BAD) {
        bad++;
        if ((corruptListened ??= this.listenerCount('corrupt') > 0)) {
          this.emit('corrupt', { type: this.win[h + 3]!, flags: this.win[h + 4]!, seq: this.view.getUint32(h + 6) } satisfies CorruptFrame);
        }
      }
    }
    if (this.count === 0 && this.scanPos > this.cursor) {
      skipped += this.scanPos - this.cursor;
      this.cursor = this.scanPos;
    }
    this.stats.skippedBytes += skipped;
    this.stats.badPayloads += bad;
  }

  /**
   * Double the candidate ring, unrolled so the head is slot 0: a slot moves to (slot - head) mod old cap.
   * A stale heap entry then points at another start or at a decided slot, so it stays stale.
   */
  private grow(): void {
    const cap = this.cap * 2;
    const cand = new Int32Array(cap * STRIDE);
    cand.set(this.cand.subarray(this.head * STRIDE), 0);
    cand.set(this.cand.subarray(0, this.head * STRIDE), (this.cap - this.head) * STRIDE);
    for (let k = this.cap * STRIDE; k < cand.length; k += STRIDE) cand[k + LEN] = DROPPED << STATE_SHIFT;
    for (let h = 0; h < this.heapN; h++) this.heapSlot[h] = (this.heapSlot[h]! - this.head) & this.mask;
    this.cand = cand;
    this.cap = cap;
    this.mask = cap - 1;
    this.head = 0;
  }

  private popHead(): void {
    const s = this.head * STRIDE + LEN;
    const ls = this.cand[s]!;
    if (ls < DECIDED_MIN) this.pending--;
    this.cand[s] = (ls & LEN_MASK) | (DROPPED << STATE_SHIFT);
    this.head = (this.head + 1) & this.mask;
    this.count--;
    if (this.fifoOff > 0) this.fifoOff--;
  }

  /** Give up a pending candidate (deadline, or too many candidates): like a bad CRC, without the NAK. */
  private give(slot: number): boolean {
    const s = slot * STRIDE;
    const ls = this.cand[s + LEN]!;
    if (ls >= DECIDED_MIN) return false;
    this.cand[s + LEN] = (ls & LEN_MASK) | (DROPPED << STATE_SHIFT);
    this.pending--;
    this.stats.timeouts++;
    if (slot === this.head) {
      const a = this.cand[s]!;
      this.stats.skippedBytes += a - this.cursor + 1;
      this.cursor = a + 1;
      this.popHead();
    }
    return true;
  }

  private armTimer(): void {
    if (this.pending === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer) return;
    this.tickMs = Math.max(10, Math.min(this.o.idleMs, this.o.deadlineBaseMs) / 4);
    this.lastTick = this.o.now();
    // setImmediate: a line read waiting in the same loop turn is taken before a frame is given up.
    this.timer = setInterval(() => setImmediate(() => this.expire()), this.tickMs);
    this.timer.unref();
  }

  private expire(): void {
    if (this.pending === 0 || this.destroyed) return this.armTimer();
    // A run far later than its interval means this process did not run (a loaded machine, a long
    // synchronous task): the peer's bytes may be waiting unread in the kernel (a serial read completes
    // a loop turn after this check), so the line only looks silent. Such a run decides nothing; the
    // next one does, late or not (a loaded dock dropped whole 64 KiB READ answers and resent them).
    const now = this.o.now();
    const late = now - this.lastTick > 2 * this.tickMs;
    this.lastTick = now;
    if (late && !this.passedLate) {
      this.passedLate = true;
      return;
    }
    this.passedLate = false;
    const idle = now - this.lastByteAt >= this.o.idleMs;
    const now32 = now | 0;
    const c = this.cand;
    for (let k = 0, slot = this.head; k < this.count; k++, slot = (slot + 1) & this.mask) {
      const ls = c[slot * STRIDE + LEN]!;
      if (ls >= DECIDED_MIN) continue;
      // Arrival times are kept modulo 2^32 ms; the difference is exact for any wait under 24 days.
      if (idle || ((now32 - c[slot * STRIDE + AT]!) | 0) >= this.o.deadlineBaseMs + (ls & LEN_MASK) / this.o.deadlineBytesPerMs) this.give(slot);
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
        const grow = (x: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => { const y = new Int32Array(x.length * 2); y.set(x); return y; };
        this.heapE = grow(this.heapE);
        this.heapA = grow(this.heapA);
        this.heapSlot = grow(this.heapSlot);
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
