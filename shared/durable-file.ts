// Files that survive a power cut and files that leave no bytes behind: the one copy of these helpers
// for camera, dock, central store and host tools. A rename is durable only once its directory is
// fsync'd; a file that held evidence or keys is overwritten and synced before it is unlinked.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

const CHUNK = 1024 * 1024;

/** fsync a directory, so the renames and unlinks in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** fsync a file or a directory, synchronously. */
export function fsyncPathSync(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write a file durably: temp file, fsync, rename, fsync the directory (mode applied before the content lands). */
export function writeDurable(path: string, data: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode);
  renameSync(tmp, path);
  fsyncPathSync(dirname(path));
}

/** A fresh temp file beside `path` holding `data`, synced (its name is returned). */
async function syncedTemp(path: string, data: string | Buffer, mode: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** writeDurable without blocking the event loop (a fresh temp name, never an existing file). */
export async function writeDurableAsync(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = await syncedTemp(path, data, mode);
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/**
 * Write a new file durably unless one is there already (hard link of the synced temp file: never
 * replaces). False when another writer (another process, another node on a shared directory) was first.
 */
export async function writeDurableExclusive(path: string, data: string | Buffer, mode = 0o600): Promise<boolean> {
  const tmp = await syncedTemp(path, data, mode);
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
    await fsyncDir(dirname(path));
  }
}

/** One pass of zeros over every byte of the file, then fsync. Returns the bytes overwritten. */
export async function overwriteFile(path: string): Promise<number> {
  const fh = await open(path, 'r+');
  try {
    const size = (await fh.stat()).size;
    const zeros = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
    for (let off = 0; off < size; ) {
      const { bytesWritten } = await fh.write(zeros, 0, Math.min(zeros.length, size - off), off);
      if (bytesWritten <= 0) throw new Error(`overwrite stalled at byte ${off}`);
      off += bytesWritten;
    }
    await fh.sync();
    return size;
  } finally {
    await fh.close();
  }
}

/** Overwrite a file's bytes with zeros, fsync, unlink, fsync its directory. A missing file is done already. */
export async function overwriteAndUnlink(path: string): Promise<void> {
  try {
    await overwriteFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await unlink(path);
  await fsyncDir(dirname(path));
}
