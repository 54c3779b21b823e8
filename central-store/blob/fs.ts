// Blobs in a directory (the embedded default). Durable writes: a finished temp file on the same
// filesystem is renamed into place and the directory fsync'd, so a crash leaves the old state or the
// whole blob. Destroy overwrites, fsyncs, unlinks. Hold and retain-until live in a small side file
// (locks/<key>) so destroy refuses a held blob here too; a filesystem cannot stop its own root.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncDir, overwriteFile, writeDurableAsync } from '../../shared/durable-file.js';
import { StoreError } from '../store-error.js';
import { checkKey, notFound, type BlobLock, type BlobPort, type ByteRange, type PutOptions, type PutResult } from './port.js';

export class FsBlobStore implements BlobPort {
  readonly backend = 'fs' as const;
  constructor(private readonly root: string) {}

  static async open(root: string): Promise<FsBlobStore> {
    await mkdir(path.join(root, 'blobs'), { recursive: true });
    await mkdir(path.join(root, 'work'), { recursive: true });
    return new FsBlobStore(root);
  }

  pathOf(key: string): string { return path.join(this.root, 'blobs', checkKey(key).slice(0, 2), key); }
  private lockPath(key: string): string { return path.join(this.root, 'locks', key.slice(0, 2), key); }
  workDir(): string { return path.join(this.root, 'work'); }

  async put(key: string, data: Readable, o?: PutOptions): Promise<PutResult> {
    const tmp = path.join(this.workDir(), `put-${randomBytes(8).toString('hex')}`);
    const h = createHash('sha256');
    let bytes = 0;
    const fh = await open(tmp, 'wx', 0o600);
    try {
      for await (const chunk of data) {
        const b = chunk as Buffer;
        h.update(b);
        bytes += b.length;
        for (let off = 0; off < b.length; ) off += (await fh.write(b, off)).bytesWritten;
      }
      await fh.sync();
    } catch (err) {
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await fh.close();
    const { existed } = await this.putFile(key, tmp, o);
    return { sha256: h.digest('hex'), bytes, existed };
  }

  async putFile(key: string, srcPath: string, o?: PutOptions): Promise<{ existed: boolean }> {
    const dest = this.pathOf(key);
    await mkdir(path.dirname(dest), { recursive: true });
    if (await this.exists(key)) { await unlink(srcPath).catch(() => undefined); return { existed: true }; }
    if (o?.retainUntil) await this.writeLock(key, { ...await this.lock(key), retainUntil: o.retainUntil });
    await rename(srcPath, dest);
    await fsyncDir(path.dirname(dest));
    await fsyncDir(path.dirname(srcPath));
    return { existed: false };
  }

  read(key: string, range?: ByteRange): Readable {
    return createReadStream(this.pathOf(key), { highWaterMark: 1 << 20, start: range?.start, end: range?.end })
      .on('error', function (this: Readable, err: NodeJS.ErrnoException) { if (err.code === 'ENOENT') Object.assign(err, { code: 'not-found' }); });
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try { await access(file); return true; } catch { return false; }
  }

  async size(key: string): Promise<number> {
    try { return (await stat(this.pathOf(key))).size; } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreError('not-found', notFound(key).message);
      throw err;
    }
  }

  async destroy(key: string): Promise<string[]> {
    if ((await this.lock(key)).hold) throw new StoreError('on-hold', `blob ${key}: evidence hold is on`);
    const file = this.pathOf(key);
    const steps: string[] = [];
    try {
      await overwriteFile(file);
      steps.push('blob-overwrite', 'fsync');
      await unlink(file);
      steps.push('unlink');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      steps.push('blob-absent');
    }
    await unlink(this.lockPath(key)).catch(() => undefined);
    await fsyncDir(path.dirname(file)).catch(() => undefined);
    return steps;
  }

  async setHold(key: string, on: boolean): Promise<void> {
    if (!await this.exists(key)) throw new StoreError('not-found', notFound(key).message);
    await this.writeLock(key, { ...await this.lock(key), hold: on });
  }

  async setRetainUntil(key: string, until: Date): Promise<void> {
    if (!await this.exists(key)) throw new StoreError('not-found', notFound(key).message);
    await this.writeLock(key, { ...await this.lock(key), retainUntil: until });
  }

  async lock(key: string): Promise<BlobLock> {
    try {
      const j = JSON.parse(await readFile(this.lockPath(key), 'utf8')) as { hold?: boolean; retainUntil?: string | null };
      return { hold: j.hold === true, retainUntil: j.retainUntil ? new Date(j.retainUntil) : null };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { hold: false, retainUntil: null };
      throw err;
    }
  }

  private async writeLock(key: string, l: BlobLock): Promise<void> {
    await mkdir(path.dirname(this.lockPath(key)), { recursive: true });
    await writeDurableAsync(this.lockPath(key), JSON.stringify({ hold: l.hold, retainUntil: l.retainUntil?.toISOString() ?? null }), 0o600);
  }
}
