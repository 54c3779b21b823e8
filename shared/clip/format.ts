// Clip container format v1 (docs/clip-format.md is the normative description; keep them in step).
// Pure functions only: header encode/parse, key derivation, nonces, segment records.
import { createHash, createHmac, createPublicKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';

export const MAGIC = Buffer.from('BCCLIP', 'ascii');
/** Version 1: unsigned (still read, reported "unsigned"). Version 2: signed by the camera (§7 of the doc). */
export const VERSION = 1;
export const VERSION_SIGNED = 2;
export const NONCE_PREFIX_LEN = 7;
export const KEY_ID_LEN = 32;
export const MAC_LEN = 32;
export const TAG_LEN = 16;
export const RECORD_HEADER_LEN = 14;
export const FRAME_PREFIX_LEN = 4;

// Caps: a parser never allocates more than these, whatever the input says.
export const MAX_HEADER_LEN = 64 * 1024;
/** Smallest header the field caps allow: 91 fixed bytes + W = 1 + E = 1 + M = 0 (such a header then fails on its metadata). */
export const MIN_HEADER_LEN = 93;
export const MAX_WRAP_LEN = 1024;
export const MAX_EPOCH_ID_LEN = 256;
export const MAX_META_LEN = 32 * 1024;
export const MAX_FRAME_LEN = 64 * 1024 * 1024;
/** Smallest legal frame body: an empty-payload record plus the GCM tag. */
export const MIN_FRAME_LEN = RECORD_HEADER_LEN + TAG_LEN;
export const MAX_SEGMENTS = 0xffffffff;

export const RECORD_VIDEO = 1;
export const RECORD_FINAL = 2;

const INFO_SEGMENT = Buffer.from('bodycam-clip v1 segment key', 'ascii');
const INFO_HEADER = Buffer.from('bodycam-clip v1 header mac key', 'ascii');

/** Cleartext header metadata (authenticated by the header MAC, never encrypted: no secrets, no location). */
export interface ClipMeta {
  v: 1;
  /** Version 2 only: the clip's Ed25519 checkpoint key, 64 hex chars (raw 32-byte public key). */
  clipKey?: string;
  clipId: string;
  deviceId: string;
  startedAt: string;
  epochId: string;
  [k: string]: unknown;
}

export interface ClipHeader {
  version: number;
  headerLen: number;
  noncePrefix: Buffer;
  wrappedKey: Buffer;
  keyId: string;
  epochId: string;
  meta: ClipMeta;
  /** Bytes [0, headerLen - 32): what the MAC covers. */
  macInput: Buffer;
  mac: Buffer;
  /** SHA-256 of the whole header [0, headerLen), MAC included: the salt of the segment key. */
  headerHash: Buffer;
}

export class ClipFormatError extends Error {}

export function encodeHeaderBody(p: { noncePrefix: Buffer; wrappedKey: Buffer; keyId: Buffer; epochId: string; meta: ClipMeta; version?: number }): Buffer {
  const epoch = Buffer.from(p.epochId, 'utf8');
  const meta = Buffer.from(JSON.stringify(p.meta), 'utf8');
  if (p.noncePrefix.length !== NONCE_PREFIX_LEN) throw new ClipFormatError('nonce prefix must be 7 bytes');
  if (p.wrappedKey.length > MAX_WRAP_LEN) throw new ClipFormatError('wrapped key too long');
  if (p.keyId.length !== KEY_ID_LEN) throw new ClipFormatError('key id must be 32 bytes');
  if (epoch.length === 0 || epoch.length > MAX_EPOCH_ID_LEN) throw new ClipFormatError('epochId must be 1..256 bytes');
  if (meta.length > MAX_META_LEN) throw new ClipFormatError('metadata too long');
  const total = 12 + NONCE_PREFIX_LEN + 2 + p.wrappedKey.length + KEY_ID_LEN + 2 + epoch.length + 4 + meta.length + MAC_LEN;
  if (total > MAX_HEADER_LEN) throw new ClipFormatError('header too long');
  const b = Buffer.alloc(total - MAC_LEN);
  let o = 0;
  o += MAGIC.copy(b, o);
  b[o++] = p.version ?? VERSION;
  b[o++] = 0;
  o = b.writeUInt32BE(total, o);
  o += p.noncePrefix.copy(b, o);
  o = b.writeUInt16BE(p.wrappedKey.length, o);
  o += p.wrappedKey.copy(b, o);
  o += p.keyId.copy(b, o);
  o = b.writeUInt16BE(epoch.length, o);
  o += epoch.copy(b, o);
  o = b.writeUInt32BE(meta.length, o);
  meta.copy(b, o);
  return b;
}

/** Header length from the first 12 bytes, or throws (bad magic / version / length). */
export function peekHeaderLen(buf: Buffer): number {
  if (buf.length < 12) throw new ClipFormatError('bad header: file shorter than the 12-byte fixed header');
  if (!buf.subarray(0, 6).equals(MAGIC)) throw new ClipFormatError('bad magic: not a bodycam clip');
  if (buf[6] !== VERSION && buf[6] !== VERSION_SIGNED) throw new ClipFormatError(`unsupported version ${buf[6]}`);
  if (buf[7] !== 0) throw new ClipFormatError('bad header: reserved byte is not 0');
  const len = buf.readUInt32BE(8);
  if (len < MIN_HEADER_LEN || len > MAX_HEADER_LEN) {
    throw new ClipFormatError(`bad header: header length ${len} out of range`);
  }
  return len;
}

/** Parse a header from a buffer holding at least its bytes. Structural checks only (the MAC needs the key). */
export function parseHeader(buf: Buffer): ClipHeader {
  const headerLen = peekHeaderLen(buf);
  if (buf.length < headerLen) throw new ClipFormatError(`truncated header: need ${headerLen} bytes, have ${buf.length}`);
  const end = headerLen - MAC_LEN;
  let o = 12;
  const need = (n: number, what: string): void => {
    if (o + n > end) throw new ClipFormatError(`bad header: ${what} runs past the header end`);
  };
  need(NONCE_PREFIX_LEN + 2, 'nonce prefix');
  const noncePrefix = Buffer.from(buf.subarray(o, o + NONCE_PREFIX_LEN));
  o += NONCE_PREFIX_LEN;
  const wrapLen = buf.readUInt16BE(o);
  o += 2;
  if (wrapLen === 0 || wrapLen > MAX_WRAP_LEN) throw new ClipFormatError(`bad header: wrapped key length ${wrapLen} out of range`);
  need(wrapLen + KEY_ID_LEN + 2, 'wrapped key');
  const wrappedKey = Buffer.from(buf.subarray(o, o + wrapLen));
  o += wrapLen;
  const keyId = buf.subarray(o, o + KEY_ID_LEN).toString('hex');
  o += KEY_ID_LEN;
  const epochLen = buf.readUInt16BE(o);
  o += 2;
  if (epochLen === 0 || epochLen > MAX_EPOCH_ID_LEN) throw new ClipFormatError(`bad header: epochId length ${epochLen} out of range`);
  need(epochLen + 4, 'epochId');
  const epochId = utf8(buf.subarray(o, o + epochLen), 'epochId');
  o += epochLen;
  const metaLen = buf.readUInt32BE(o);
  o += 4;
  if (metaLen > MAX_META_LEN) throw new ClipFormatError(`bad header: metadata length ${metaLen} out of range`);
  need(metaLen, 'metadata');
  if (o + metaLen !== end) throw new ClipFormatError('bad header: field lengths do not add up to the header length');
  const metaText = utf8(buf.subarray(o, o + metaLen), 'metadata');
  let meta: ClipMeta;
  try {
    meta = JSON.parse(metaText) as ClipMeta;
  } catch {
    throw new ClipFormatError('bad header: metadata is not JSON');
  }
  checkHeaderMeta(meta, epochId);
  const version = buf[6]!;
  if (version === VERSION_SIGNED && (typeof meta.clipKey !== 'string' || !/^[0-9a-f]{64}$/.test(meta.clipKey))) {
    throw new ClipFormatError('bad header: metadata.clipKey (64 lower-case hex) is required in a version 2 clip');
  }
  const whole = buf.subarray(0, headerLen);
  return {
    version,
    headerLen,
    noncePrefix,
    wrappedKey,
    keyId,
    epochId,
    meta,
    macInput: Buffer.from(buf.subarray(0, end)),
    mac: Buffer.from(buf.subarray(end, headerLen)),
    headerHash: createHash('sha256').update(whole).digest(),
  };
}

/** UTF-8 text, refusing invalid sequences instead of replacing them (a lossy decode could make two ids equal). */
function utf8(b: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    throw new ClipFormatError(`bad header: ${what} is not valid UTF-8`);
  }
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** The header metadata rules a reader must hold (docs/clip-format.md §1.1); throws 'bad header: metadata.<member> …'. */
export function checkHeaderMeta(meta: unknown, epochId: string): asserts meta is ClipMeta {
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new ClipFormatError('bad header: metadata is not an object');
  const m = meta as Record<string, unknown>;
  if (m.v !== 1) throw new ClipFormatError(`bad header: metadata.v must be 1 (is ${JSON.stringify(m.v)})`);
  for (const k of ['clipId', 'deviceId'] as const) {
    if (typeof m[k] !== 'string' || m[k] === '') throw new ClipFormatError(`bad header: metadata.${k} missing or not a non-empty string`);
  }
  if (typeof m.startedAt !== 'string' || !ISO_UTC.test(m.startedAt) || Number.isNaN(Date.parse(m.startedAt))) {
    throw new ClipFormatError('bad header: metadata.startedAt missing or not an ISO-8601 UTC time (YYYY-MM-DDTHH:MM:SS[.fff]Z)');
  }
  if (m.epochId !== epochId) throw new ClipFormatError('bad header: metadata.epochId differs from the header epochId');
  try {
    assertNoLocation(m);
  } catch (err) {
    throw new ClipFormatError(`bad header: ${(err as Error).message}`);
  }
}

export function headerMacKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), INFO_HEADER, 32));
}
export function headerMac(dataKey: Buffer, macInput: Buffer): Buffer {
  return createHmac('sha256', headerMacKey(dataKey)).update(macInput).digest();
}
export function headerMacOk(dataKey: Buffer, h: ClipHeader): boolean {
  return timingSafeEqual(headerMac(dataKey, h.macInput), h.mac);
}
export function segmentKey(dataKey: Buffer, headerHash: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, headerHash, INFO_SEGMENT, 32));
}

/** 12-byte GCM nonce: prefix(7) || counter u32 BE || last flag (0x00 / 0x01). */
export function segmentNonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.allocUnsafe(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

export interface SegmentRecord {
  type: typeof RECORD_VIDEO | typeof RECORD_FINAL;
  keyframe: boolean;
  startMs: number;
  durationMs: number;
  payload: Buffer;
}

export function encodeRecordHeader(type: number, keyframe: boolean, startMsIn: number, durationMsIn: number): Buffer {
  // Sources may hand fractional ms (PTS / 90); the format stores whole ms.
  const startMs = Math.round(startMsIn);
  const durationMs = Math.round(durationMsIn);
  if (!Number.isSafeInteger(startMs) || startMs < 0) throw new ClipFormatError('startMs must be a non-negative integer');
  if (!Number.isInteger(durationMs) || durationMs < 0 || durationMs > 0xffffffff) throw new ClipFormatError('durationMs must be an integer 0..2^32-1');
  const b = Buffer.allocUnsafe(RECORD_HEADER_LEN);
  b[0] = type;
  b[1] = keyframe ? 1 : 0;
  b.writeBigUInt64BE(BigInt(startMs), 2);
  b.writeUInt32BE(durationMs, 10);
  return b;
}

export function decodeRecord(plain: Buffer): SegmentRecord {
  if (plain.length < RECORD_HEADER_LEN) throw new ClipFormatError('segment record shorter than its 14-byte header');
  const type = plain[0]!;
  if (type !== RECORD_VIDEO && type !== RECORD_FINAL) throw new ClipFormatError(`unknown segment record type ${type}`);
  if ((plain[1]! & 0xfe) !== 0) throw new ClipFormatError('segment record flags: reserved bits set');
  const start = plain.readBigUInt64BE(2);
  if (start > BigInt(Number.MAX_SAFE_INTEGER)) throw new ClipFormatError('segment record startMs too large');
  return {
    type: type as SegmentRecord['type'],
    keyframe: plain[1] === 1,
    startMs: Number(start),
    durationMs: plain.readUInt32BE(10),
    payload: plain.subarray(RECORD_HEADER_LEN),
  };
}

/** Metadata keys that must never appear (no location in any record). */
const FORBIDDEN = /^(lat|lon|lng|latitude|longitude|location|position|gps|coords?|geo.*|altitude)$/i;

/** Throws if any key anywhere in the object names a location. */
export function assertNoLocation(obj: unknown, path = 'meta'): void {
  if (!obj || typeof obj !== 'object') return;
  for (const [k, v] of Object.entries(obj)) {
    if (FORBIDDEN.test(k)) throw new ClipFormatError(`${path}.${k}: location fields are not allowed in clip metadata`);
    assertNoLocation(v, `${path}.${k}`);
  }
}

// ---- Signatures (version 2, docs/clip-format.md §7) ----

/** Set in a block's 4-byte length prefix: a cleartext signature block, not a sealed frame. */
export const SIG_BLOCK_FLAG = 0x80000000;
export const SIG_HEADER_SEAL = 1;
export const SIG_CHECKPOINT = 2;
/** A moment the guard marked (short press while recording): covered by the checkpoint written with it. */
export const SIG_MARKER = 3;
/** type + markMs (uint64). */
export const MARKER_BODY_LEN = 1 + 8;
/** Checkpoint flag bit 0: the final record is the last frame covered (the clip is closed). */
export const CHECKPOINT_CLOSED = 1;
export const CHAIN_LEN = 32;
export const ED25519_SIG_LEN = 64;
/** type + flags + frames + endMs + chain + signature. */
export const CHECKPOINT_BODY_LEN = 1 + 1 + 4 + 8 + CHAIN_LEN + ED25519_SIG_LEN;
export const MAX_SEAL_SIG_LEN = 1024;
export const MAX_SIG_BLOCK_LEN = 1 + MAX_SEAL_SIG_LEN;

const SEAL_DOMAIN = Buffer.from('bodycam-clip v2 header seal', 'ascii');
const CHECKPOINT_DOMAIN = Buffer.from('bodycam-clip v2 checkpoint', 'ascii');

/** What the device key signs: domain || SHA-256 of the whole header. */
export function headerSealMessage(headerHash: Buffer): Buffer {
  return Buffer.concat([SEAL_DOMAIN, headerHash]);
}

export interface Checkpoint {
  /** Sealed frames covered (the counter of the next frame). */
  frames: number;
  flags: number;
  /** Closing checkpoint: the stop time; otherwise the end of the last video record (ms since the epoch). */
  endMs: number;
  /** SHA-256 of the file's bytes before this checkpoint block (§7.2). */
  chain: Buffer;
  sig: Buffer;
}

/** What the clip key signs: domain || frames u32 || flags u8 || endMs u64 || chain. */
export function checkpointMessage(c: Omit<Checkpoint, 'sig'>): Buffer {
  const b = Buffer.allocUnsafe(CHECKPOINT_DOMAIN.length + 4 + 1 + 8 + CHAIN_LEN);
  let o = CHECKPOINT_DOMAIN.copy(b, 0);
  o = b.writeUInt32BE(c.frames, o);
  o = b.writeUInt8(c.flags, o);
  o = b.writeBigUInt64BE(BigInt(Math.max(0, Math.round(c.endMs))), o);
  c.chain.copy(b, o);
  return b;
}

/** A whole signature block as stored: prefix (flag | body length) then the body. */
export function encodeSigBlock(body: Buffer): Buffer {
  const prefix = Buffer.allocUnsafe(FRAME_PREFIX_LEN);
  prefix.writeUInt32BE((SIG_BLOCK_FLAG | body.length) >>> 0, 0);
  return Buffer.concat([prefix, body]);
}

export function encodeHeaderSeal(sig: Buffer): Buffer {
  if (sig.length === 0 || sig.length > MAX_SEAL_SIG_LEN) throw new ClipFormatError('header seal signature must be 1..1024 bytes');
  return encodeSigBlock(Buffer.concat([Buffer.from([SIG_HEADER_SEAL]), sig]));
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const b = Buffer.allocUnsafe(CHECKPOINT_BODY_LEN);
  let o = b.writeUInt8(SIG_CHECKPOINT, 0);
  o = b.writeUInt8(c.flags, o);
  o = b.writeUInt32BE(c.frames, o);
  o = b.writeBigUInt64BE(BigInt(Math.max(0, Math.round(c.endMs))), o);
  o += c.chain.copy(b, o);
  c.sig.copy(b, o);
  return encodeSigBlock(b);
}

/** A marker block as stored (prefix and body): the next checkpoint's hash covers it like a frame. */
export function encodeMarker(atMsIn: number): Buffer {
  const atMs = Math.round(atMsIn);
  if (!Number.isSafeInteger(atMs) || atMs < 0) throw new ClipFormatError('marker time must be a non-negative integer of ms');
  const b = Buffer.allocUnsafe(MARKER_BODY_LEN);
  b[0] = SIG_MARKER;
  b.writeBigUInt64BE(BigInt(atMs), 1);
  return encodeSigBlock(b);
}

export type SigBlock = { type: typeof SIG_HEADER_SEAL; sig: Buffer } | ({ type: typeof SIG_CHECKPOINT } & Checkpoint) | { type: typeof SIG_MARKER; atMs: number };

/** Decode a signature block body (without its prefix); throws naming what is wrong. */
export function decodeSigBlock(body: Buffer): SigBlock {
  if (body.length < 2) throw new ClipFormatError('signature block shorter than 2 bytes');
  if (body[0] === SIG_HEADER_SEAL) return { type: SIG_HEADER_SEAL, sig: Buffer.from(body.subarray(1)) };
  if (body[0] === SIG_MARKER) {
    if (body.length !== MARKER_BODY_LEN) throw new ClipFormatError(`marker is ${body.length} bytes, not ${MARKER_BODY_LEN}`);
    const at = body.readBigUInt64BE(1);
    if (at > BigInt(Number.MAX_SAFE_INTEGER)) throw new ClipFormatError('marker time too large');
    return { type: SIG_MARKER, atMs: Number(at) };
  }
  if (body[0] !== SIG_CHECKPOINT) throw new ClipFormatError(`unknown signature block type ${body[0]}`);
  if (body.length !== CHECKPOINT_BODY_LEN) throw new ClipFormatError(`checkpoint is ${body.length} bytes, not ${CHECKPOINT_BODY_LEN}`);
  const flags = body[1]!;
  if ((flags & ~CHECKPOINT_CLOSED) !== 0) throw new ClipFormatError('checkpoint flags: reserved bits set');
  const endMs = body.readBigUInt64BE(6);
  if (endMs > BigInt(Number.MAX_SAFE_INTEGER)) throw new ClipFormatError('checkpoint endMs too large');
  return {
    type: SIG_CHECKPOINT, flags, frames: body.readUInt32BE(2), endMs: Number(endMs),
    chain: Buffer.from(body.subarray(14, 14 + CHAIN_LEN)), sig: Buffer.from(body.subarray(14 + CHAIN_LEN)),
  };
}

/** The Ed25519 public key object of a header's clipKey (raw 32 bytes, hex). */
export function clipKeyObject(hex: string): KeyObject {
  // SPKI DER of an Ed25519 key is this fixed 12-byte prefix followed by the raw key.
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}
