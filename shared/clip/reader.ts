// Clip reader: structural walk (no key: inspect, vault recovery) and full verify-and-decrypt.
// One core works on any byte source (a Buffer for fuzzing, a file descriptor for real clips); every
// length read from the input is capped before anything is allocated.
import { KeyObject, constants, createDecipheriv, createHash, createPrivateKey, createPublicKey, privateDecrypt, type KeyLike } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import {
  ClipFormatError, FRAME_PREFIX_LEN, MAX_FRAME_LEN, MAX_HEADER_LEN, MAX_SIG_BLOCK_LEN, MIN_FRAME_LEN, RECORD_FINAL, RECORD_VIDEO,
  SIG_BLOCK_FLAG, SIG_CHECKPOINT, TAG_LEN, VERSION_SIGNED, assertNoLocation, decodeSigBlock,
  decodeRecord, headerMacOk, parseHeader, peekHeaderLen, segmentKey, segmentNonce, type ClipHeader, type ClipMeta,
} from './format.js';

export type ClipErrorReason =
  | 'bad-magic' | 'bad-header' | 'wrong-key' | 'key-wrap' | 'header-tampered' | 'tampered' | 'reordered'
  | 'truncated' | 'trailing-data' | 'bad-frame' | 'bad-record'
  /** Signatures (docs/clip-format.md §7): a version 1 clip, a signature or chain that fails, bytes no checkpoint covers. */
  | 'unsigned' | 'bad-signature' | 'unsigned-tail';

export class ClipError extends Error {
  constructor(readonly reason: ClipErrorReason, message: string, readonly segment?: number) {
    super(`${reason}: ${message}`);
  }
}

export interface ByteSource {
  size: number;
  read(offset: number, length: number): Buffer;
}

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (o, l) => buf.subarray(o, o + l) };
}

export function fdSource(fd: number): ByteSource {
  return {
    size: fstatSync(fd).size,
    read(o, l) {
      const b = Buffer.allocUnsafe(l);
      let got = 0;
      while (got < l) {
        const n = readSync(fd, b, got, l - got, o + got);
        if (n === 0) break;
        got += n;
      }
      return b.subarray(0, got);
    },
  };
}

function readHeader(src: ByteSource): ClipHeader {
  try {
    const first = src.read(0, 12);
    const len = peekHeaderLen(first);
    return parseHeader(src.read(0, Math.min(len, MAX_HEADER_LEN)));
  } catch (err) {
    const m = (err as Error).message;
    throw new ClipError(m.startsWith('bad magic') ? 'bad-magic' : 'bad-header', m);
  }
}

export interface FrameInfo {
  index: number;
  offset: number;
  /** Frame body length (record ciphertext + tag), without the 4-byte prefix. */
  length: number;
}

export interface BlockInfo {
  offset: number;
  /** Block body length, without the 4-byte prefix. */
  length: number;
  /** Sealed frames before it. */
  afterFrames: number;
}

export interface Structure {
  header: ClipHeader;
  frames: FrameInfo[];
  /** Signature blocks (version 2 only), in file order. */
  blocks: BlockInfo[];
  /** Version 2: offset just past the last checkpoint (or the header seal if none); null for version 1. */
  signedEnd: number | null;
  /** Offset just past the last whole frame: where a torn tail starts. */
  completeEnd: number;
  /** Why the walk stopped before the end of the input (torn tail or a bad length), if it did. */
  tail: string | null;
}

/** Walk the frames without a key: header plus every whole frame, and where a torn tail begins. */
export function walkStructure(src: ByteSource): Structure {
  const header = readHeader(src);
  const signed = header.version === VERSION_SIGNED;
  const frames: FrameInfo[] = [];
  const blocks: BlockInfo[] = [];
  let signedEnd: number | null = null;
  let off = header.headerLen;
  let tail: string | null = null;
  while (off < src.size) {
    const left = src.size - off;
    if (left < FRAME_PREFIX_LEN) {
      tail = `segment ${frames.length} is torn (${left}-byte partial length prefix)`;
      break;
    }
    const raw = src.read(off, FRAME_PREFIX_LEN).readUInt32BE(0);
    if (signed && raw & SIG_BLOCK_FLAG) {
      const len = raw & ~SIG_BLOCK_FLAG;
      if (len < 2 || len > MAX_SIG_BLOCK_LEN) {
        tail = `signature block after segment ${frames.length} has an impossible length ${len}`;
        break;
      }
      if (left - FRAME_PREFIX_LEN < len) {
        tail = `signature block after segment ${frames.length} is torn (${left - FRAME_PREFIX_LEN} of ${len} bytes)`;
        break;
      }
      blocks.push({ offset: off, length: len, afterFrames: frames.length });
      off += FRAME_PREFIX_LEN + len;
      // Structural only (no signature check): the seal is the block at the header's end.
      if (blocks.length === 1 || src.read(off - len, 1)[0] === SIG_CHECKPOINT) signedEnd = off;
      continue;
    }
    const len = raw;
    if (len < MIN_FRAME_LEN || len > MAX_FRAME_LEN) {
      tail = `segment ${frames.length} has an impossible length ${len}`;
      break;
    }
    if (left - FRAME_PREFIX_LEN < len) {
      tail = `segment ${frames.length} is torn (${left - FRAME_PREFIX_LEN} of ${len} bytes)`;
      break;
    }
    frames.push({ index: frames.length, offset: off, length: len });
    off += FRAME_PREFIX_LEN + len;
  }
  return { header, frames, blocks, signedEnd: signed ? signedEnd ?? header.headerLen : null, completeEnd: off, tail };
}

export interface DecryptOptions {
  allowTruncated?: boolean;
}

export interface DecryptStats {
  meta: ClipMeta;
  finalMeta: Record<string, unknown> | null;
  segments: number;
  keyframes: number;
  payloadBytes: number;
  firstStartMs: number | null;
  lastEndMs: number | null;
  truncated: boolean;
  /** Why the clip is incomplete, when truncated. */
  truncatedReason: string | null;
  /** false for a version 1 clip: nothing proves which camera wrote it (verify a version 2 clip with verifyClipSignature). */
  signed: boolean;
  /** Video payloads that are not whole 188-byte MPEG-TS packets (sync byte 0x47 at every 188): reported, not refused (§4). */
  payloadsNotWholeTs: number;
}

/** The clip's 32-byte data key, unwrapped with the epoch private key and checked against the header MAC. */
export function unwrapKey(h: ClipHeader, privateKey: KeyLike): Buffer {
  let priv;
  try {
    priv = privateKey instanceof KeyObject && privateKey.type === 'private' ? privateKey : createPrivateKey(privateKey as Parameters<typeof createPrivateKey>[0]);
  } catch (err) {
    throw new ClipError('wrong-key', `not a usable private key (${(err as Error).message})`);
  }
  const kid = createHash('sha256').update(createPublicKey(priv).export({ type: 'spki', format: 'der' })).digest('hex');
  if (kid !== h.keyId) throw new ClipError('wrong-key', `clip is wrapped to key ${h.keyId.slice(0, 16)}… (epoch ${h.epochId}), the given key is ${kid.slice(0, 16)}…`);
  let dataKey: Buffer;
  try {
    dataKey = privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, h.wrappedKey);
  } catch {
    throw new ClipError('key-wrap', 'the wrapped data key does not decrypt with the right key: key wrap tampered');
  }
  if (dataKey.length !== 32) throw new ClipError('key-wrap', 'unwrapped data key is not 32 bytes');
  if (!headerMacOk(dataKey, h)) throw new ClipError('header-tampered', 'header MAC does not verify: header or metadata altered');
  return dataKey;
}

/** Open one sealed frame body (ciphertext + tag); null when it does not authenticate under this counter/flag. */
export function tryOpen(key: Buffer, prefix: Buffer, counter: number, last: boolean, body: Buffer): Buffer | null {
  try {
    const d = createDecipheriv('aes-256-gcm', key, segmentNonce(prefix, counter, last));
    d.setAuthTag(body.subarray(body.length - TAG_LEN));
    const out = d.update(body.subarray(0, body.length - TAG_LEN));
    d.final();
    return out;
  } catch {
    return null;
  }
}

/** A frame failed at position i: find out whether it belongs elsewhere in this clip (reordered) or nowhere. */
function diagnose(key: Buffer, prefix: Buffer, i: number, body: Buffer): ClipError {
  for (let j = Math.max(0, i - 16); j <= i + 16; j++) {
    if (j === i) continue;
    if (tryOpen(key, prefix, j, false, body) || tryOpen(key, prefix, j, true, body)) {
      return new ClipError('reordered', `segment at position ${i} was written as segment ${j}`, i);
    }
  }
  return new ClipError('tampered', `segment ${i} fails authentication (altered, or from another clip)`, i);
}

/**
 * Verify every segment and hand each video payload to `sink` in order (only verified bytes).
 * Throws a ClipError naming the reason; with allowTruncated a clip without its final segment (or with
 * a torn tail) returns the verified prefix with truncated=true instead.
 */
export function decryptSource(src: ByteSource, privateKey: KeyLike, sink: (payload: Buffer) => void, o: DecryptOptions = {}): DecryptStats {
  const s = walkStructure(src);
  const h = s.header;
  const dataKey = unwrapKey(h, privateKey);
  const key = segmentKey(dataKey, h.headerHash);
  dataKey.fill(0);
  const st: DecryptStats = {
    meta: h.meta, finalMeta: null, segments: 0, keyframes: 0, payloadBytes: 0,
    firstStartMs: null, lastEndMs: null, truncated: false, truncatedReason: null, signed: h.version === VERSION_SIGNED, payloadsNotWholeTs: 0,
  };
  try {
    for (const f of s.frames) {
      if (st.finalMeta) throw new ClipError('trailing-data', `data after the final segment (segment ${f.index})`, f.index);
      const body = src.read(f.offset + FRAME_PREFIX_LEN, f.length);
      let last = false;
      let plain = tryOpen(key, h.noncePrefix, f.index, false, body);
      if (!plain) {
        plain = tryOpen(key, h.noncePrefix, f.index, true, body);
        last = true;
      }
      if (!plain) throw diagnose(key, h.noncePrefix, f.index, body);
      const rec = (() => {
        try {
          return decodeRecord(plain);
        } catch (err) {
          throw new ClipError('bad-record', `segment ${f.index}: ${(err as Error).message}`, f.index);
        }
      })();
      if (last !== (rec.type === RECORD_FINAL)) throw new ClipError('bad-record', `segment ${f.index}: record type and last flag disagree`, f.index);
      if (rec.type === RECORD_VIDEO) {
        sink(rec.payload);
        st.segments++;
        if (rec.keyframe) st.keyframes++;
        st.payloadBytes += rec.payload.length;
        st.firstStartMs ??= rec.startMs;
        st.lastEndMs = Math.max(st.lastEndMs ?? 0, rec.startMs + rec.durationMs);
        if (!wholeTs(rec.payload)) st.payloadsNotWholeTs++;
      } else {
        st.finalMeta = checkFinal(rec, st, f.index);
      }
    }
    if (s.tail && st.finalMeta) throw new ClipError('trailing-data', `bytes after the final segment (${s.tail})`, s.frames.length);
    if (s.tail && !s.tail.includes('torn')) throw new ClipError('bad-frame', s.tail, s.frames.length);
    if (!st.finalMeta) {
      // N names the last whole frame by its counter i (§3); a header-only file has none.
      const n = s.frames.length;
      const why = s.tail ? `truncated: ${s.tail}` : n === 0 ? 'truncated before segment 0 (no frame, no final segment)' : `truncated after segment ${n - 1} (no final segment)`;
      if (!o.allowTruncated) throw new ClipError('truncated', why.replace(/^truncated: /, ''), s.frames.length);
      st.truncated = true;
      st.truncatedReason = why;
    }
    return st;
  } finally {
    key.fill(0);
  }
}

/** MPEG-TS framing: whole 188-byte packets, each starting with the sync byte 0x47. */
function wholeTs(p: Buffer): boolean {
  if (p.length === 0 || p.length % 188 !== 0) return false;
  for (let o = 0; o < p.length; o += 188) if (p[o] !== 0x47) return false;
  return true;
}

/** The final record must agree with the clip it closes (docs/clip-format.md §3.1); returns its metadata. */
function checkFinal(rec: ReturnType<typeof decodeRecord>, st: DecryptStats, index: number): Record<string, unknown> {
  const bad = (what: string) => new ClipError('bad-record', `segment ${index} (final): ${what}`, index);
  if (rec.keyframe) throw bad('flags must be 0');
  if (rec.durationMs !== 0) throw bad(`durationMs must be 0 (is ${rec.durationMs})`);
  const end = st.lastEndMs ?? 0;
  if (rec.startMs !== end) throw bad(`startMs ${rec.startMs} is not the end of the last video record (${end})`);
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rec.payload));
  } catch {
    throw bad('metadata is not UTF-8 JSON');
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw bad('metadata is not a JSON object');
  const m = meta as Record<string, unknown>;
  if (m.segments !== st.segments) throw bad(`segments ${JSON.stringify(m.segments)} but the clip has ${st.segments} video records`);
  try {
    assertNoLocation(m, 'finalMeta');
  } catch (err) {
    throw bad((err as Error).message);
  }
  return m;
}

/** Pure, in-memory: decrypt a whole clip held in a Buffer (fuzzing, small clips). */
export function decryptBuffer(buf: Buffer, privateKey: KeyLike, o: DecryptOptions = {}): { stats: DecryptStats; plaintext: Buffer } {
  const parts: Buffer[] = [];
  const stats = decryptSource(bufferSource(buf), privateKey, (p) => parts.push(Buffer.from(p)), o);
  return { stats, plaintext: Buffer.concat(parts) };
}

/** Pure, in-memory: header and frame structure, no key needed. */
export function parseClipBuffer(buf: Buffer): Structure {
  return walkStructure(bufferSource(buf));
}

export interface Inspection {
  version: number;
  /** 'unsigned' for version 1; 'signed' means signature blocks are present (not that they verify). */
  signature: 'signed' | 'unsigned';
  headerLen: number;
  epochId: string;
  keyId: string;
  wrappedKeyBytes: number;
  meta: ClipMeta;
  fileBytes: number;
  segmentFrames: number;
  /** null when the file ends on a whole frame; otherwise why it does not. */
  tail: string | null;
  /** Always false: nothing here is checked against a key (§8). */
  metadataAuthenticated: false;
  note: string;
}

export const INSPECT_NOTE = 'metadata NOT authenticated: anyone can write these bytes; the header MAC is checked only with the epoch private key '
  + '(bodycam clip decrypt), and a version 2 header seal only with the camera\'s certificate';

/** Header and cleartext metadata of a clip file (no key, no secrets). */
export function inspectClip(path: string): Inspection {
  const fd = openSync(path, 'r');
  try {
    const src = fdSource(fd);
    const s = walkStructure(src);
    const h = s.header;
    return {
      version: h.version, signature: h.version === VERSION_SIGNED ? 'signed' : 'unsigned', headerLen: h.headerLen, epochId: h.epochId, keyId: h.keyId, wrappedKeyBytes: h.wrappedKey.length,
      meta: h.meta, fileBytes: src.size, segmentFrames: s.frames.length, tail: s.tail, metadataAuthenticated: false, note: INSPECT_NOTE,
    };
  } finally {
    closeSync(fd);
  }
}

/** Verify and decrypt a clip file; video payloads go to `outPath` (a file) or `sink`. */
export function decryptClip(path: string, privateKey: KeyLike, out: string | ((p: Buffer) => void), o: DecryptOptions = {}): DecryptStats {
  const fd = openSync(path, 'r');
  let outFd: number | null = null;
  try {
    let sink: (p: Buffer) => void;
    if (typeof out === 'string') {
      const ofd = openSync(out, 'w', 0o600);
      outFd = ofd;
      sink = (p) => void writeSync(ofd, p);
    } else sink = out;
    return decryptSource(fdSource(fd), privateKey, sink, o);
  } finally {
    closeSync(fd);
    if (outFd !== null) closeSync(outFd);
  }
}

export { ClipFormatError };
