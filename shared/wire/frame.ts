// Frame codec of the camera<->dock serial link (docs/wire-protocol.md, "Frame").
// Header (18 bytes, big-endian): magic 0xB0 0xCA | version | type | flags | reserved | seq u32 |
// length u32 | header CRC-32 over bytes 0..13. Then payload, then CRC-32 over header+payload.
// The header CRC lets the decoder reject a garbage length at once instead of waiting for bytes.
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { crcAfterHeader, crcOfRange, crcUpdateHeader, crcUpdateView } from './crc-shift.js';

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
const PENDING = 0;
const VALID = 1;
const BAD = 2;
const DROPPED = 3;


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
  private readonly o: Required<Omit<DecoderOptions, 'rebaseAt'>>;
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
  // Candidates, a ring in stream order (struct of arrays: no allocation per candidate).
  private cap = FIRST_CANDIDATES;
  private mask = FIRST_CANDIDATES - 1;
  private cA = new Int32Array(FIRST_CANDIDATES);
  private cLen = new Int32Array(FIRST_CANDIDATES);
  private cCrc = new Int32Array(FIRST_CANDIDATES);
  private cAt = new Float64Array(FIRST_CANDIDATES);
  private cState = new Uint8Array(FIRST_CANDIDATES);
  private head = 0;
  private count = 0;
  private pending = 0;
  // Min-heap of candidate ends (position of the frame CRC), with the slot and start to detect stale entries.
  private heapE = new Int32Array(1024);
  private heapA = new Int32Array(1024);
  private heapSlot = new Int32Array(1024);
  private heapN = 0;
  // Ends usually come in stream order: those go to a FIFO (O(1)); only out-of-order ends use the heap.
  private fifoA = new Int32Array(FIRST_CANDIDATES);
  private fifoE = new Int32Array(FIRST_CANDIDATES);
  private fifoSlot = new Int32Array(FIRST_CANDIDATES);
  private fifoHead = 0;
  private fifoN = 0;
  private fifoLastE = -1;
  private lastByteAt = 0;
  /** The deadline check's last run, its interval, and whether it let the last late run pass (expire). */
  private lastTick = 0;
  private tickMs = 0;
  private passedLate = false;
  private readonly rebaseAt: number;
  /** Stream bytes the positions were moved down by (positions are relative to it). */
  private rebased = 0;
  /** FIFO and heap entries of candidates given up or delivered over (none: no liveness checks). */
  private stale = 0;
  /** A pending candidate was given up since the next end was last looked at. */
  private gaveUp = false;
  private timer?: NodeJS.Timeout;

  constructor(opts: DecoderOptions = {}) {
    super({ readableObjectMode: true });
    const { rebaseAt, ...o } = opts;
    this.o = { ...DECODER_DEFAULTS, now: Date.now, ...o };
    this.rebaseAt = rebaseAt ?? REBASE_AT;
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
    b.copy(this.win, this.top - this.base);
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
    for (const x of [this.cA, this.fifoA, this.fifoE]) for (let k = 0; k < x.length; k++) x[k] = down(x[k]!);
    for (let h = 0; h < this.heapN; h++) {
      this.heapE[h] = down(this.heapE[h]!);
      this.heapA[h] = down(this.heapA[h]!);
    }
    this.rebased += d;
  }

  private advanceCrc(to: number): void {
    if (to >= this.lookPos && this.lookPos > this.crcPos) {
      this.crcPos = this.lookPos;
      this.crcVal = this.lookVal;
    }
    const from = this.crcPos - this.base;
    const n = to - this.crcPos;
    this.crcVal = n > NATIVE_CRC_MIN ? crc32(this.win.subarray(from, from + n), this.crcVal >>> 0) | 0 : crcUpdateView(this.crcVal, this.view, from, from + n);
    this.crcPos = to;
  }

  /** Find headers and decide candidates whose end has arrived, strictly in stream order. */
  private process(): void {
    const w = this.win;
    let nextMagic = -1;
    // The next candidate end, kept across iterations (peekEnd only after it may have changed).
    let end = this.peekEnd();
    for (;;) {
      if (nextMagic < this.scanPos) {
        const i = findMagic(w, this.view, this.scanPos - this.base, this.top - this.base);
        nextMagic = i < 0 ? NONE : this.base + i;
        if (i < 0) this.scanPos = Math.max(this.scanPos, this.top - (w[this.top - 1 - this.base] === MAGIC0 ? 1 : 0)); // a final 0xB0 may start a magic
      }
      const headerReady = nextMagic <= this.top - HEADER_BYTES;
      const blockedAt = headerReady ? NONE : nextMagic;
      const nextEnd = end <= this.top - TRAILER_BYTES && end <= blockedAt ? end : NONE;
      const nextHeader = headerReady ? nextMagic : NONE;
      if (nextEnd === NONE && nextHeader === NONE) return;
      if (nextEnd <= nextHeader) {
        this.decide(nextEnd);
        end = this.peekEnd();
      } else {
        const e = this.header(nextHeader);
        this.scanPos = nextHeader + 1;
        // Only a candidate given up for room can hide the cached end; a new one can only come first.
        if (this.gaveUp) {
          this.gaveUp = false;
          end = this.peekEnd();
        } else if (e < end) end = e;
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

  /** Position of the next candidate end (FIFO or heap), NONE if none; drops stale entries. */
  private peekEnd(): number {
    if (this.stale > 0) {
      while (this.fifoN > 0 && !this.liveSlot(this.fifoSlot[this.fifoHead]!, this.fifoA[this.fifoHead]!)) {
        this.fifoPop();
        this.stale--;
      }
      while (this.heapN > 0 && !this.live(0)) {
        this.heapPop();
        this.stale--;
      }
    }
    const f = this.fifoN > 0 ? this.fifoE[this.fifoHead]! : NONE;
    const h = this.heapN > 0 ? this.heapE[0]! : NONE;
    return f < h ? f : h;
  }

  private fifoPop(): void {
    this.fifoHead = (this.fifoHead + 1) & this.mask;
    this.fifoN--;
  }

  private pushEnd(e: number, a: number, slot: number): void {
    if (this.fifoN < this.cap && (this.fifoN === 0 || e >= this.fifoLastE)) {
      const k = (this.fifoHead + this.fifoN) & this.mask;
      this.fifoA[k] = a;
      this.fifoE[k] = e;
      this.fifoSlot[k] = slot;
      this.fifoN++;
      this.fifoLastE = e;
    } else this.heapPush(e, a, slot);
  }


  /** Check the header at `a`; a verified one becomes a candidate. Returns its end, or NONE. */
  private header(a: number): number {
    const i = a - this.base;
    const w = this.win;
    if (w[i + 2] !== WIRE_VERSION) {
      this.stats.badHeaders++;
      return NONE;
    }
    const v = this.view;
    const length = v.getUint32(i + 10);
    if (length > MAX_PAYLOAD) {
      this.stats.badHeaders++;
      return NONE;
    }
    // The header CRC from its own bytes (no dependency on the running CRC)...
    const hdr = crcUpdateHeader(0, v, i);
    if (v.getInt32(i + 14) !== hdr) {
      this.stats.badHeaders++;
      return NONE;
    }
    // ...then the running CRC to the header start (with nothing pending it restarts there instead of
    // crossing garbage); the one after the header follows from both without reading its bytes again.
    if (this.pending === 0) {
      this.crcPos = a;
      this.crcVal = 0;
    } else this.advanceCrc(a);
    this.lookPos = a + 14;
    this.lookVal = crcAfterHeader(this.crcVal, hdr);
    if (this.count === this.cap) {
      if (this.cap < MAX_CANDIDATES) this.grow();
      else this.give(this.head, true);
    }
    const slot = (this.head + this.count) & this.mask;
    this.count++;
    this.pending++;
    this.cA[slot] = a;
    this.cLen[slot] = length;
    this.cCrc[slot] = this.crcVal;
    this.cAt[slot] = this.lastByteAt;
    this.cState[slot] = PENDING;
    const e = a + HEADER_BYTES + length;
    this.pushEnd(e, a, slot);
    return e;
  }

  /** The candidate whose frame CRC is next in the stream has all its bytes: check it. */
  private decide(e: number): void {
    // `e` is the next end peekEnd found: the heap's top or the FIFO's head.
    let slot: number;
    let a: number;
    if (this.heapN > 0 && this.heapE[0] === e) {
      slot = this.heapSlot[0]!;
      a = this.heapA[0]!;
      this.heapPop();
    } else {
      slot = this.fifoSlot[this.fifoHead]!;
      a = this.fifoA[this.fifoHead]!;
      this.fifoPop();
    }
    // Stale entries are pruned only while some are known to exist (`stale`); this keeps a miscount harmless.
    if (!this.liveSlot(slot, a)) return;
    this.advanceCrc(e);
    const ok = crcOfRange(this.cCrc[slot]!, this.crcVal, e - a) === this.view.getInt32(e - this.base);
    this.cState[slot] = ok ? VALID : BAD;
    this.pending--;
  }

  /** Hand out decided candidates in stream order, as the spec's one-at-a-time receiver would. */
  private deliver(): void {
    let corruptListened: boolean | undefined;
    let skipped = 0; // counted here, added to the stats once
    let bad = 0;
    while (this.count > 0) {
      const slot = this.head;
      const a = this.cA[slot]!;
      const state = this.cState[slot]!;
      if (a < this.cursor) { // inside a frame already delivered
        this.popHead();
        continue;
      }
      if (state === PENDING) break;
      skipped += a - this.cursor;
      // Its header is still in the window (the window keeps the oldest candidate's bytes).
      const h = a - this.base;
      if (state === VALID) {
        const start = h + HEADER_BYTES;
        const payload = Buffer.from(this.win.subarray(start, start + this.cLen[slot]!)); // the window is reused
        this.cursor = a + HEADER_BYTES + this.cLen[slot]! + TRAILER_BYTES;
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
   * A stale FIFO or heap entry then points at another start or at a DROPPED slot, so it stays stale.
   */
  private grow(): void {
    const cap = this.cap * 2;
    const unroll = <T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(x: T, y: T): T => {
      const tail = x.subarray(this.head, this.cap);
      y.set(tail, 0);
      y.set(x.subarray(0, this.head), tail.length);
      return y;
    };
    const cState = unroll(this.cState, new Uint8Array(cap));
    cState.fill(DROPPED, this.cap);
    const fifoA = new Int32Array(cap), fifoE = new Int32Array(cap), fifoSlot = new Int32Array(cap);
    for (let k = 0; k < this.fifoN; k++) {
      const o = (this.fifoHead + k) & this.mask;
      fifoA[k] = this.fifoA[o]!;
      fifoE[k] = this.fifoE[o]!;
      fifoSlot[k] = (this.fifoSlot[o]! - this.head) & this.mask;
    }
    for (let h = 0; h < this.heapN; h++) this.heapSlot[h] = (this.heapSlot[h]! - this.head) & this.mask;
    Object.assign(this, {
      cA: unroll(this.cA, new Int32Array(cap)), cLen: unroll(this.cLen, new Int32Array(cap)), 
      cCrc: unroll(this.cCrc, new Int32Array(cap)), cAt: unroll(this.cAt, new Float64Array(cap)),
      cState, fifoA, fifoE, fifoSlot, cap, mask: cap - 1, head: 0, fifoHead: 0,
    });
  }

  private popHead(): void {
    if (this.cState[this.head] === PENDING) {
      this.pending--;
      this.stale++;
    }
    this.cState[this.head] = DROPPED;
    this.head = (this.head + 1) & this.mask;
    this.count--;
  }

  /** Give up a pending candidate (deadline, or too many candidates): like a bad CRC, without the NAK. */
  private give(slot: number, _overflow = false): void {
    if (this.cState[slot] !== PENDING) return;
    this.cState[slot] = DROPPED;
    this.pending--;
    this.stale++;
    this.gaveUp = true;
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
      this.stale -= this.heapN - n;
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
