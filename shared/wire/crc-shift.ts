// CRC-32 (zlib) of a byte range from two running CRCs, in constant time: crc(A‖B) = x^(8|B|)·crc(A) ⊕ crc(B)
// (zlib's crc32_combine), so crc(B) = crc(A‖B) ⊕ x^(8|B|)·crc(A). The frame decoder uses it to check a
// candidate frame without re-reading its bytes, which keeps its cost linear in its input.
// CRCs come back as signed 32-bit integers (`>>> 0` gives zlib's value): an unsigned one above 2^31 is
// a heap number in V8, an allocation per call in the decoder's hot loop.
const POLY = 0xedb88320;

/** a·b modulo the CRC polynomial, both in zlib's reflected bit order. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N = new Uint32Array(32);
X2N[0] = 0x40000000;
for (let k = 1; k < 32; k++) X2N[k] = multModP(X2N[k - 1]!, X2N[k - 1]!);

/** x^(8n) for n = d·256^i (i = 0..2, d = 0..255): any n < 2^24 bytes is three multiplications. */
const BYTE_POW: Uint32Array[] = [0, 1, 2].map((i) => {
  const t = new Uint32Array(256);
  for (let d = 0; d < 256; d++) {
    let n = d * 256 ** i;
    let p = 0x80000000; // x^0
    for (let k = 3; n > 0; n = Math.floor(n / 2), k++) if (n & 1) p = multModP(X2N[k & 31]!, p);
    t[d] = p;
  }
  return t;
});

/** x^(8n)·crc mod P, for 0 ≤ n < 2^24. */
export function crcShift(crc: number, n: number): number {
  let c = crc >>> 0;
  if (n & 0xff) c = multModP(BYTE_POW[0]![n & 0xff]!, c);
  if (n & 0xff00) c = multModP(BYTE_POW[1]![(n >>> 8) & 0xff]!, c);
  if (n & 0xff0000) c = multModP(BYTE_POW[2]![(n >>> 16) & 0xff]!, c);
  return c;
}

// Frames of one length recur (and an attacker repeats one length): keep x^(8n) for the last few n as
// byte tables, so the shift is four lookups.
const CACHE = 4;
const cacheN = new Float64Array(CACHE).fill(-1);
const cacheT: Uint32Array[] = Array.from({ length: CACHE }, () => new Uint32Array(1024));
let cacheNext = 0;
/**
 * The table used last, checked first. Exported for the frame decoder, which applies it inline
 * (`crcAfter ^ t[c & 0xff] ^ t[256 + ...]...` when `n === hotShift.n`); only crcOfRange changes it.
 */
export const hotShift = { n: -1, t: cacheT[0]! };

/** The shift by n bytes is linear over GF(2): its table for each byte lane is the images of that lane's bits. */
function buildShiftTable(n: number, t: Uint32Array): Uint32Array {
  const bits = new Uint32Array(32);
  for (let b = 0; b < 32; b++) bits[b] = crcShift((1 << b) >>> 0, n);
  for (let lane = 0; lane < 4; lane++) {
    for (let v = 0; v < 256; v++) {
      let x = 0;
      for (let b = 0; b < 8; b++) if (v & (1 << b)) x ^= bits[lane * 8 + b]!;
      t[lane * 256 + v] = x >>> 0;
    }
  }
  return t;
}

function shiftTable(n: number): Uint32Array {
  for (let k = 0; k < CACHE; k++) if (cacheN[k] === n) return cacheT[k]!;
  const k = cacheNext;
  cacheNext = (cacheNext + 1) % CACHE;
  const t = cacheT[k]!;
  if (t === hotShift.t) hotShift.n = -1; // about to hold another length
  buildShiftTable(n, t);
  cacheN[k] = n;
  return t;
}

/** x^(8·14): the span of the header CRC (bytes 0..13), a fixed table so it never evicts a frame length. */
export const HEADER_T = buildShiftTable(14, new Uint32Array(1024));

/**
 * The running CRC after a 14-byte header, from the running CRC before it and the header's own CRC
 * (crc(A‖H) = x^(8·14)·crc(A) ⊕ crc(H)): the decoder reads a header's bytes once.
 */
export function crcAfterHeader(crcBefore: number, headerCrc: number): number {
  const c = crcBefore >>> 0;
  return headerCrc ^ HEADER_T[c & 0xff]! ^ HEADER_T[256 + ((c >>> 8) & 0xff)]! ^ HEADER_T[512 + ((c >>> 16) & 0xff)]! ^ HEADER_T[768 + (c >>> 24)]!;
}

let lastN = -1;
let run = 0;
/** A table is built for a length only after this many checks in a row with it (so ~1 µs per candidate at worst). */
const RUN_FOR_TABLE = 64;

/** CRC-32 of the bytes between two running CRCs `n` bytes apart. */
export function crcOfRange(crcBefore: number, crcAfter: number, n: number): number {
  if (n === hotShift.n) {
    const t = hotShift.t;
    const c = crcBefore >>> 0;
    return crcAfter ^ t[c & 0xff]! ^ t[256 + ((c >>> 8) & 0xff)]! ^ t[512 + ((c >>> 16) & 0xff)]! ^ t[768 + (c >>> 24)]!;
  }
  // A table costs ~100 multiplications and 8000 XORs: build it only for a length that keeps repeating.
  run = n === lastN ? run + 1 : 0;
  lastN = n;
  if (run < RUN_FOR_TABLE && !cacheN.includes(n)) return crcAfter ^ crcShift(crcBefore, n);
  const t = shiftTable(n);
  hotShift.n = n;
  hotShift.t = t;
  const c = crcBefore >>> 0;
  return crcAfter ^ t[c & 0xff]! ^ t[256 + ((c >>> 8) & 0xff)]! ^ t[512 + ((c >>> 16) & 0xff)]! ^ t[768 + (c >>> 24)]!;
}

// Slicing-by-4 tables: T0 is the classic byte table, Tk advances a byte k more positions. Exported
// for the frame decoder's inline 4-byte step (CRC_T0..3 in one array: T0 at 0, T1 at 256, ...).
export const CRC_T = new Int32Array(1024);
const T0 = CRC_T.subarray(0, 256);
const T1 = CRC_T.subarray(256, 512);
const T2 = CRC_T.subarray(512, 768);
const T3 = CRC_T.subarray(768, 1024);
for (let i = 0; i < 256; i++) {
  let x = i;
  for (let k = 0; k < 8; k++) x = x & 1 ? (x >>> 1) ^ POLY : x >>> 1;
  T0[i] = x;
}
for (let i = 0; i < 256; i++) {
  T1[i] = T0[T0[i]! & 0xff]! ^ (T0[i]! >>> 8);
  T2[i] = T0[T1[i]! & 0xff]! ^ (T1[i]! >>> 8);
  T3[i] = T0[T2[i]! & 0xff]! ^ (T2[i]! >>> 8);
}

/** Continue a running CRC over buf[from..to) (a JS loop: cheaper than a native call for a few bytes). */
export function crcUpdate(crc: number, buf: Uint8Array, from: number, to: number): number {
  return crcUpdateView(crc, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), from, to);
}

/** crcUpdate over a DataView: one unaligned load per 4 bytes instead of four byte loads. */
export function crcUpdateView(crc: number, v: DataView, from: number, to: number): number {
  let r = ~crc;
  if (to - from === 4) { // the common step between dense headers
    r ^= v.getInt32(from, true);
    return ~(T3[r & 0xff]! ^ T2[(r >>> 8) & 0xff]! ^ T1[(r >>> 16) & 0xff]! ^ T0[r >>> 24]!);
  }
  let i = from;
  for (; i + 4 <= to; i += 4) {
    r ^= v.getInt32(i, true);
    r = T3[r & 0xff]! ^ T2[(r >>> 8) & 0xff]! ^ T1[(r >>> 16) & 0xff]! ^ T0[r >>> 24]!;
  }
  for (; i < to; i++) r = T0[(r ^ v.getUint8(i)) & 0xff]! ^ (r >>> 8);
  return ~r;
}

/** crcUpdateView over exactly the 14 bytes a frame header's CRC covers, unrolled (once per candidate header). */
export function crcUpdateHeader(crc: number, v: DataView, i: number): number {
  let r = ~crc ^ v.getInt32(i, true);
  r = T3[r & 0xff]! ^ T2[(r >>> 8) & 0xff]! ^ T1[(r >>> 16) & 0xff]! ^ T0[r >>> 24]! ^ v.getInt32(i + 4, true);
  r = T3[r & 0xff]! ^ T2[(r >>> 8) & 0xff]! ^ T1[(r >>> 16) & 0xff]! ^ T0[r >>> 24]! ^ v.getInt32(i + 8, true);
  r = T3[r & 0xff]! ^ T2[(r >>> 8) & 0xff]! ^ T1[(r >>> 16) & 0xff]! ^ T0[r >>> 24]!;
  r = T0[(r ^ v.getUint8(i + 12)) & 0xff]! ^ (r >>> 8);
  r = T0[(r ^ v.getUint8(i + 13)) & 0xff]! ^ (r >>> 8);
  return ~r;
}
