// On-disk assembly of one clip from chunks, shared safely by several ingest workers on one filesystem:
// <workDir>/<clipId>.<chunkSize>.part holds the bytes (each chunk written at index * chunkSize) and
// .chunks is an append-only list of 36-byte records (u32 BE index + SHA-256 of the chunk), appended
// after the bytes are written. A restarted worker reads the records to know what it has.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, readdir, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { overwriteAndUnlink } from '../shared/durable-file.js';
import { hashFileOffThread } from './hash-pool.js';
import path from 'node:path';
import type { DecodedChunk } from '../shared/mqtt/codec.js';

const RECORD = 36;
/** Refuse chunks that would place bytes beyond this offset (bounds a hostile sender's sparse file). */
const MAX_OFFSET = 2 ** 40;

interface Open {
  part: FileHandle;
  side: FileHandle;
  /** Records waiting to be appended in one write (coalesced: one write per burst, not per chunk). */
  pending: { rec: Buffer; done: (err?: unknown) => void }[];
  flushing: boolean;
}

export async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(b as Buffer);
  return h.digest('hex');
}

export type FinalizeResult<T = undefined> = { ok: true; path: string; alongside: PromiseSettledResult<T> | null } | { ok: false; bad: number[] } | { ok: false; metaWrong: true };

export class Assembler {
  private open = new Map<string, Promise<Open>>();
  constructor(private readonly dir: string) {}

  private base(clipId: string, chunkSize: number): string { return path.join(this.dir, `${clipId}.${chunkSize}`); }

  private handles(base: string): Promise<Open> {
    let o = this.open.get(base);
    if (!o) {
      o = (async () => {
        const part = await open(base + '.part', 'a+').then((fh) => fh.close()).then(() => open(base + '.part', 'r+'));
        const side = await open(base + '.chunks', 'a');
        return { part, side, pending: [], flushing: false };
      })();
      this.open.set(base, o);
      o.catch(() => this.open.delete(base));
    }
    return o;
  }

  async writeChunk(clipId: string, c: DecodedChunk): Promise<void> {
    const offset = c.index * c.chunkSize;
    if (offset + c.data.length > MAX_OFFSET) throw new Error(`chunk ${c.index}: offset beyond limit`);
    const o = await this.handles(this.base(clipId, c.chunkSize));
    await o.part.write(c.data, 0, c.data.length, offset);
    const rec = Buffer.allocUnsafe(RECORD);
    rec.writeUInt32BE(c.index, 0);
    c.sha256.copy(rec, 4);
    await new Promise<void>((resolve, reject) => {
      o.pending.push({ rec, done: (err) => (err ? reject(err) : resolve()) });
      if (!o.flushing) void this.flush(o);
    });
  }

  private async flush(o: Open): Promise<void> {
    o.flushing = true;
    while (o.pending.length) {
      const batch = o.pending;
      o.pending = [];
      try {
        await o.side.write(Buffer.concat(batch.map((b) => b.rec)));
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    }
    o.flushing = false;
  }

  /** Chunk index → recorded SHA-256 (the last record wins), from disk so other workers' chunks count. */
  async have(clipId: string, chunkSize: number): Promise<Map<number, Buffer>> {
    let buf: Buffer;
    try { buf = await readFile(this.base(clipId, chunkSize) + '.chunks'); } catch { return new Map(); }
    const m = new Map<number, Buffer>();
    for (let off = 0; off + RECORD <= buf.length; off += RECORD) m.set(buf.readUInt32BE(off), buf.subarray(off + 4, off + RECORD));
    return m;
  }

  /**
   * Truncate to size, fsync, check the whole file's hash as read back; on mismatch find the bad chunks and
   * forget them. `alongside` (the ingest's signature check) reads the same file first; when it succeeds
   * and reports the file's sha256 that is the hash checked, otherwise a worker hashes the file. Its
   * outcome is returned with a match.
   */
  async finalize<T = undefined>(clipId: string, chunkSize: number, bytes: number, sha256: string, alongside?: (path: string) => Promise<T>): Promise<FinalizeResult<T>> {
    const base = this.base(clipId, chunkSize);
    await this.closeHandles(base);
    const fh = await open(base + '.part', 'a+').then((f) => f.close()).then(() => open(base + '.part', 'r+'));
    try {
      await fh.truncate(bytes);
      await fh.sync();
    } finally { await fh.close(); }
    // Hash what is on disk after fsync, not what we meant to write. A signature walk that succeeded
    // already hashed every byte it read back (its sha256): hashing again would double the CPU per byte.
    const side = alongside ? await Promise.allSettled([alongside(base + '.part')]).then((r) => r[0]!) : null;
    const walked = side?.status === 'fulfilled' ? (side.value as { sha256?: unknown } | undefined)?.sha256 : undefined;
    const got = typeof walked === 'string' ? walked : await hashFileOffThread(base + '.part');
    if (got === sha256) return { ok: true, path: base + '.part', alongside: side as PromiseSettledResult<T> | null };
    const have = await this.have(clipId, chunkSize);
    const bad: number[] = [];
    const rf = await open(base + '.part', 'r');
    try {
      const buf = Buffer.allocUnsafe(chunkSize);
      for (let i = 0; i * chunkSize < bytes; i++) {
        const len = Math.min(chunkSize, bytes - i * chunkSize);
        const { bytesRead } = await rf.read(buf, 0, len, i * chunkSize);
        const want = have.get(i);
        if (!want || bytesRead !== len || !createHash('sha256').update(buf.subarray(0, len)).digest().equals(want)) bad.push(i);
      }
    } finally { await rf.close(); }
    if (bad.length === 0) return { ok: false, metaWrong: true };
    const keep: Buffer[] = [];
    for (const [i, s] of have) {
      if (bad.includes(i)) continue;
      const r = Buffer.allocUnsafe(RECORD); r.writeUInt32BE(i, 0); s.copy(r, 4); keep.push(r);
    }
    await writeFile(base + '.chunks.tmp', Buffer.concat(keep));
    await rename(base + '.chunks.tmp', base + '.chunks');
    return { ok: false, bad };
  }

  private async closeHandles(base: string): Promise<void> {
    const o = await this.open.get(base)?.catch(() => undefined);
    this.open.delete(base);
    if (!o) return;
    await o.part.close().catch(() => undefined);
    await o.side.close().catch(() => undefined);
  }

  /** Remove the partial state of a clip (after it is stored, or when its meta was wrong). */
  async discard(clipId: string, chunkSize: number): Promise<void> {
    const base = this.base(clipId, chunkSize);
    await this.closeHandles(base);
    for (const ext of ['.part', '.chunks']) await unlink(base + ext).catch(() => undefined);
  }

  /**
   * Securely remove partial clips nobody has touched for maxAgeMs (an upload abandoned for good, or a
   * late duplicate chunk that arrived after the clip was stored): no ciphertext lingers outside the store.
   */
  async sweep(maxAgeMs: number, now = Date.now()): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!/\.(part|chunks)$/.test(name)) continue;
      const file = path.join(this.dir, name);
      const st = await stat(file).catch(() => null);
      if (!st || now - st.mtimeMs < maxAgeMs) continue;
      const base = file.replace(/\.(part|chunks)$/, '');
      if (this.open.has(base)) continue;
      await overwriteAndUnlink(file);
      removed.push(name);
    }
    return removed;
  }

  async closeAll(): Promise<void> {
    for (const base of [...this.open.keys()]) await this.closeHandles(base);
  }
}
