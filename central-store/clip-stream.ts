// Streaming verify-and-decrypt of a stored clip from any BlobPort stream (the blob is never held whole):
// header first, then one frame at a time, with the same rules as shared/clip/reader.ts decryptSource,
// and at the end the ciphertext's SHA-256 against the hash in the clip's receipt.
import { createHash } from 'node:crypto';
import { ClipError, tryOpen } from '../shared/clip/reader.js';
import {
  FRAME_PREFIX_LEN, MAX_FRAME_LEN, MAX_SIG_BLOCK_LEN, MIN_FRAME_LEN, RECORD_FINAL, SIG_BLOCK_FLAG, VERSION_SIGNED, RECORD_VIDEO, decodeRecord, headerMacOk,
  parseHeader, peekHeaderLen, segmentKey, type ClipHeader,
} from '../shared/clip/format.js';
import type { BlobPort } from './blob/port.js';

/** Pulls bytes from an async source on demand; hashes everything it pulls. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private len = 0;
  private eof = false;
  private readonly it: AsyncIterator<unknown>;
  readonly hash = createHash('sha256');
  constructor(src: AsyncIterable<unknown>) { this.it = src[Symbol.asyncIterator](); }

  /** Buffer at least n bytes unless the source ends first; returns how many are buffered (≤ n). */
  async fill(n: number): Promise<number> {
    while (this.len < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) { this.eof = true; break; }
      const b = r.value as Buffer;
      this.hash.update(b);
      this.chunks.push(b);
      this.len += b.length;
    }
    return Math.min(this.len, n);
  }

  take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift(); else this.chunks[0] = first.subarray(n);
      this.len -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    for (let o = 0; o < n;) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - o);
      c.copy(out, o, 0, k);
      o += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    this.len -= n;
    return out;
  }

  async close(): Promise<void> { await this.it.return?.(); }
}

async function readHeaderFrom(q: ByteQueue): Promise<ClipHeader> {
  try {
    if (await q.fill(12) < 12) throw new Error('bad header: file shorter than the 12-byte fixed header');
    const fixed = q.take(12);
    const len = peekHeaderLen(fixed);
    if (await q.fill(len - 12) < len - 12) throw new Error(`truncated header: need ${len} bytes`);
    return parseHeader(Buffer.concat([fixed, q.take(len - 12)]));
  } catch (err) {
    const m = (err as Error).message;
    throw new ClipError(m.startsWith('bad magic') ? 'bad-magic' : 'bad-header', m);
  }
}

/** Header of a stored clip (cleartext metadata, wrapped key), reading only the header's bytes. */
export async function readStoredHeader(blobs: BlobPort, key: string): Promise<ClipHeader> {
  const q = new ByteQueue(blobs.read(key));
  try { return await readHeaderFrom(q); } finally { await q.close(); }
}

/** The clip's purpose tag from its cleartext header, or null when absent or unreadable. */
export async function storedPurpose(blobs: BlobPort, key: string): Promise<string | null> {
  try {
    const p = (await readStoredHeader(blobs, key)).meta.purpose;
    return typeof p === 'string' && p ? p : null;
  } catch { return null; }
}


export interface OpenOptions {
  /** The clip's data key for this header (epoch unwrap or hold re-wrap); its header MAC is checked here. */
  dataKey: (h: ClipHeader) => Buffer | Promise<Buffer>;
  /** SHA-256 hex the whole ciphertext must have (the receipt's); checked after the last frame. */
  expectSha256?: string;
  /** Accept a clip without its final segment (stored as 'truncated'): the verified prefix is returned. */
  allowTruncated?: boolean;
}

/**
 * Read the header and unwrap the key now (so key errors surface before any byte is streamed), then
 * return a generator of verified video payloads in order. Errors found later are thrown by the generator.
 */
export async function openClipStream(src: AsyncIterable<unknown>, o: OpenOptions): Promise<{ header: ClipHeader; payloads: AsyncGenerator<Buffer, void> }> {
  const q = new ByteQueue(src);
  let key: Buffer;
  let header: ClipHeader;
  try {
    header = await readHeaderFrom(q);
    const dataKey = await o.dataKey(header);
    try {
      if (dataKey.length !== 32 || !headerMacOk(dataKey, header)) throw new ClipError('header-tampered', 'header MAC does not verify with the data key');
      key = segmentKey(dataKey, header.headerHash);
    } finally { dataKey.fill(0); }
  } catch (err) { await q.close(); throw err; }
  const h = header;
  async function* payloads(): AsyncGenerator<Buffer, void> {
    let final = false;
    try {
      for (let i = 0; ; i++) {
        const have = await q.fill(FRAME_PREFIX_LEN);
        if (have === 0) break;
        if (final && have < FRAME_PREFIX_LEN) throw new ClipError('trailing-data', `data after the final segment (segment ${i})`, i);
        if (have < FRAME_PREFIX_LEN) { if (o.allowTruncated) break; throw new ClipError('truncated', `segment ${i} is torn`, i); }
        const raw = q.take(FRAME_PREFIX_LEN).readUInt32BE(0);
        if (h.version === VERSION_SIGNED && raw & SIG_BLOCK_FLAG) {
          // A signature block (checked at ingest by verifyClipFile): skip it; it is not a sealed frame.
          const n = raw & ~SIG_BLOCK_FLAG;
          if (n < 2 || n > MAX_SIG_BLOCK_LEN) throw new ClipError('bad-frame', `signature block after segment ${i} has an impossible length ${n}`, i);
          if (await q.fill(n) < n) { if (o.allowTruncated) break; throw new ClipError('truncated', `signature block after segment ${i} is torn`, i); }
          q.take(n);
          i--;
          continue;
        }
        if (final) throw new ClipError('trailing-data', `data after the final segment (segment ${i})`, i);
        const len = raw;
        if (len < MIN_FRAME_LEN || len > MAX_FRAME_LEN) throw new ClipError('bad-frame', `segment ${i} has an impossible length ${len}`, i);
        if (await q.fill(len) < len) { if (o.allowTruncated) break; throw new ClipError('truncated', `segment ${i} is torn`, i); }
        const body = q.take(len);
        let last = false;
        let plain = tryOpen(key, h.noncePrefix, i, false, body);
        if (!plain) { plain = tryOpen(key, h.noncePrefix, i, true, body); last = true; }
        if (!plain) throw new ClipError('tampered', `segment ${i} fails authentication (altered, reordered or from another clip)`, i);
        let rec;
        try { rec = decodeRecord(plain); } catch (err) { throw new ClipError('bad-record', `segment ${i}: ${(err as Error).message}`, i); }
        if (last !== (rec.type === RECORD_FINAL)) throw new ClipError('bad-record', `segment ${i}: record type and last flag disagree`, i);
        if (rec.type === RECORD_VIDEO) yield rec.payload;
        else final = true;
      }
      if (!final && !o.allowTruncated) throw new ClipError('truncated', 'no final segment');
      if (o.expectSha256 && q.hash.digest('hex') !== o.expectSha256) {
        throw new ClipError('tampered', 'stored ciphertext does not match the SHA-256 in its receipt');
      }
    } finally {
      key.fill(0);
      await q.close();
    }
  }
  return { header: h, payloads: payloads() };
}
