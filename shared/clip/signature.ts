// Keyless check of a clip's camera signature (docs/clip-format.md §7): the header seal with the
// camera's identity key, then each checkpoint, signed with the clip key the sealed header names over
// the SHA-256 of the file up to it. Needs no evidence key: central verifies before it stores.
import { createHash, createPublicKey, verify, type Hash, type KeyLike } from 'node:crypto';
import { open } from 'node:fs/promises';
import { verifyData } from '../crypto.js';
import {
  CHECKPOINT_CLOSED, ClipFormatError, FRAME_PREFIX_LEN, MAX_FRAME_LEN, MAX_HEADER_LEN, MAX_SIG_BLOCK_LEN, MIN_FRAME_LEN, SIG_BLOCK_FLAG,
  SIG_HEADER_SEAL, SIG_MARKER, VERSION_SIGNED, checkpointMessage, clipKeyObject, decodeSigBlock, headerSealMessage, parseHeader,
  peekHeaderLen, type ClipHeader,
} from './format.js';
import { ClipError } from './reader.js';

export interface SignedFacts {
  header: ClipHeader;
  /** Sealed frames the last checkpoint covers (video records plus the final record when closed). */
  frames: number;
  /** The last checkpoint says its last frame is the final record. */
  closed: boolean;
  /** The last checkpoint's time: the stop time when closed, else the end of the last video record. */
  endMs: number;
  checkpoints: number;
  /** Marker times (ms since the epoch) in file order, each covered by a checkpoint (§7.4). */
  markers: number[];
  /** SHA-256 of the whole input (hex), from the same single pass. */
  sha256: string;
}

/** Reads `length` bytes at `offset` (fewer only at the end of the input); offsets only ever grow. */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;
/**
 * Feeds `length` bytes at `offset` to `hash` without handing them out: a file reader reuses one buffer
 * for every video frame instead of allocating each (a megabyte each; every byte of a clip passes here).
 */
export type HashAt = (hash: Hash, offset: number, length: number) => Promise<void>;

/**
 * Verify every signature and the chain over the whole input; resolves with what the signed clip says
 * about itself, or throws a ClipError: 'unsigned' (version 1), 'bad-signature' (seal, checkpoint or
 * chain fails), 'unsigned-tail' (bytes no checkpoint covers), 'bad-header' / 'bad-frame'.
 */
export async function verifyClipSignature(read: ReadAt, size: number, signerKey: KeyLike, hashAt?: HashAt): Promise<SignedFacts> {
  let header: ClipHeader;
  let whole: Buffer;
  try {
    const first = Buffer.from(await read(0, 12));
    const len = peekHeaderLen(first);
    whole = Buffer.concat([first, await read(12, Math.min(len, MAX_HEADER_LEN) - 12)]);
    header = parseHeader(whole);
  } catch (err) {
    const m = (err as Error).message;
    throw new ClipError(m.startsWith('bad magic') ? 'bad-magic' : 'bad-header', m);
  }
  if (header.version !== VERSION_SIGNED) throw new ClipError('unsigned', `clip format version ${header.version} carries no camera signature`);
  const clipKey = clipKeyObject(header.meta.clipKey!);
  const signer = typeof signerKey === 'string' || Buffer.isBuffer(signerKey) ? createPublicKey(signerKey) : signerKey;
  let off = header.headerLen;
  // Every byte read, in file order: a checkpoint's chain is this hash of everything before it (§7.2).
  const fileHash = createHash('sha256').update(whole);
  let frames = 0;
  let sealed = false;
  let sealEnd = 0;
  let last: { frames: number; closed: boolean; endMs: number; end: number } | null = null;
  let checkpoints = 0;
  const markers: number[] = [];
  while (off < size) {
    if (size - off < FRAME_PREFIX_LEN) break;
    const prefix = await read(off, FRAME_PREFIX_LEN);
    const raw = prefix.readUInt32BE(0);
    if (raw & SIG_BLOCK_FLAG) {
      const len = raw & ~SIG_BLOCK_FLAG;
      if (len < 2 || len > MAX_SIG_BLOCK_LEN || size - off - FRAME_PREFIX_LEN < len) break;
      let b;
      const body = await read(off + FRAME_PREFIX_LEN, len);
      try {
        b = decodeSigBlock(body);
      } catch (err) {
        throw new ClipError('bad-signature', `signature block at offset ${off}: ${(err as ClipFormatError).message}`, frames);
      }
      if (b.type === SIG_HEADER_SEAL) {
        if (sealed || off !== header.headerLen) throw new ClipError('bad-signature', `header seal at offset ${off}: only one, right after the header`);
        if (!verifyData(signer, headerSealMessage(header.headerHash), b.sig)) {
          throw new ClipError('bad-signature', 'header seal does not verify with the camera certificate (not written by this camera, or header altered)');
        }
        sealed = true;
        sealEnd = off + FRAME_PREFIX_LEN + len;
      } else if (b.type === SIG_MARKER) {
        if (!sealed) throw new ClipError('bad-signature', 'marker before the header seal');
        if (last?.closed) throw new ClipError('bad-signature', 'marker after the closing checkpoint');
        // The next checkpoint's hash covers it (a marker no checkpoint covers is an unsigned tail).
        markers.push(b.atMs);
      } else {
        if (!sealed) throw new ClipError('bad-signature', 'checkpoint before the header seal');
        if (last?.closed) throw new ClipError('bad-signature', 'checkpoint after the closing checkpoint');
        if (b.frames !== frames) throw new ClipError('bad-signature', `checkpoint says ${b.frames} frames, ${frames} precede it`, frames);
        if (!b.chain.equals(fileHash.copy().digest())) throw new ClipError('bad-signature', `chain at frame ${frames} does not match the checkpoint (a frame was altered, dropped or inserted)`, frames);
        if (!verify(null, checkpointMessage(b), clipKey, b.sig)) throw new ClipError('bad-signature', `checkpoint after frame ${frames} does not verify with the clip key`, frames);
        checkpoints++;
        last = { frames, closed: (b.flags & CHECKPOINT_CLOSED) !== 0, endMs: b.endMs, end: off + FRAME_PREFIX_LEN + len };
      }
      fileHash.update(prefix).update(body);
      off += FRAME_PREFIX_LEN + len;
      continue;
    }
    if (!sealed) throw new ClipError('bad-signature', 'no header seal after the header');
    if (raw < MIN_FRAME_LEN || raw > MAX_FRAME_LEN) throw new ClipError('bad-frame', `segment ${frames} has an impossible length ${raw}`, frames);
    if (size - off - FRAME_PREFIX_LEN < raw) break;
    if (last?.closed) throw new ClipError('trailing-data', `segment ${frames} after the closing checkpoint`, frames);
    fileHash.update(prefix);
    if (hashAt) await hashAt(fileHash, off + FRAME_PREFIX_LEN, raw);
    else fileHash.update(await read(off + FRAME_PREFIX_LEN, raw));
    frames++;
    off += FRAME_PREFIX_LEN + raw;
  }
  if (!sealed) throw new ClipError('bad-signature', 'no header seal after the header');
  const coveredEnd = last?.end ?? sealEnd;
  if (size !== coveredEnd) {
    throw new ClipError('unsigned-tail', `${size - coveredEnd} bytes after offset ${coveredEnd} are covered by no checkpoint`, frames);
  }
  const sha256 = fileHash.digest('hex');
  if (!last) return { header, frames: 0, closed: false, endMs: 0, checkpoints: 0, markers: [], sha256 };
  return { header, frames: last.frames, closed: last.closed, endMs: last.endMs, checkpoints, markers, sha256 };
}

/** verifyClipSignature over a file, read frame by frame. */
export async function verifyClipFile(path: string, signerKey: KeyLike): Promise<SignedFacts> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const read: ReadAt = async (o, l) => {
      const b = Buffer.allocUnsafe(l);
      let got = 0;
      while (got < l) {
        const { bytesRead } = await fh.read(b, got, l - got, o + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return b.subarray(0, got);
    };
    const scratch = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, size)));
    const hashAt: HashAt = async (h, o, l) => {
      for (let done = 0; done < l;) {
        const { bytesRead } = await fh.read(scratch, 0, Math.min(scratch.length, l - done), o + done);
        // The file shrank under us: what is hashed is then short, and the chain or the hash fails.
        if (bytesRead === 0) break;
        h.update(scratch.subarray(0, bytesRead));
        done += bytesRead;
      }
    };
    return await verifyClipSignature(read, size, signerKey, hashAt);
  } finally {
    await fh.close();
  }
}

/** verifyClipSignature over a stream (a stored blob): reads are sequential, nothing is held but one frame. */
export async function verifyClipStream(src: AsyncIterable<unknown>, size: number, signerKey: KeyLike): Promise<SignedFacts> {
  const it = src[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0; // file offset of buf[0]
  const read: ReadAt = async (o, l) => {
    if (o < pos) throw new Error('verifyClipStream: reads must move forward');
    while (pos + buf.length < o + l) {
      const r = await it.next();
      if (r.done) break;
      buf = buf.length ? Buffer.concat([buf, r.value as Buffer]) : (r.value as Buffer);
    }
    const from = o - pos;
    const out = buf.subarray(from, from + l);
    buf = buf.subarray(Math.min(buf.length, from + l));
    pos = o + out.length;
    return out;
  };
  try {
    return await verifyClipSignature(read, size, signerKey);
  } finally {
    await it.return?.();
  }
}

/** verifyClipSignature over a Buffer. */
export function verifyClipBuffer(buf: Buffer, signerKey: KeyLike): Promise<SignedFacts> {
  return verifyClipSignature(async (o, l) => buf.subarray(o, o + l), buf.length, signerKey);
}
