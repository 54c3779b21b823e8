// Where clip ciphertext lives at the central store. The local implementation writes durably:
// the caller hands over an fsync'd temp file on the same filesystem, we rename it into place and
// fsync the directory, so a crash leaves either the old state or the whole blob, never half.
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink, access } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncDir, overwriteAndUnlink } from '../shared/durable-file.js';

export interface BlobStore {
  /** Move an fsync'd file under key durably. If key already exists, src is removed and the existing blob kept. */
  putFile(key: string, srcPath: string): Promise<void>;
  has(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  read(key: string): Readable;
  /** Overwrite, fsync, unlink, fsync the directory. */
  remove(key: string): Promise<void>;
  /** A scratch directory on the same filesystem as the blobs (for assembly before putFile). */
  workDir(): string;
}

const KEY = /^[A-Za-z0-9._:-]{1,200}$/;

export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  static async open(root: string): Promise<LocalBlobStore> {
    await mkdir(path.join(root, 'blobs'), { recursive: true });
    await mkdir(path.join(root, 'work'), { recursive: true });
    return new LocalBlobStore(root);
  }

  pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`blob key: must match ${KEY.source}, got ${JSON.stringify(key)}`);
    return path.join(this.root, 'blobs', key.slice(0, 2), key);
  }
  workDir(): string { return path.join(this.root, 'work'); }

  async putFile(key: string, srcPath: string): Promise<void> {
    const dest = this.pathOf(key);
    await mkdir(path.dirname(dest), { recursive: true });
    if (await this.has(key)) { await unlink(srcPath).catch(() => undefined); return; }
    await rename(srcPath, dest);
    await fsyncDir(path.dirname(dest));
    await fsyncDir(path.dirname(srcPath));
  }
  async has(key: string): Promise<boolean> {
    try { await access(this.pathOf(key)); return true; } catch { return false; }
  }
  async size(key: string): Promise<number> { return (await stat(this.pathOf(key))).size; }
  read(key: string): Readable { return createReadStream(this.pathOf(key), { highWaterMark: 1 << 20 }); }
  async remove(key: string): Promise<void> { await overwriteAndUnlink(this.pathOf(key)); }
}
