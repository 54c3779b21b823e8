// Wipe primitives: overwrite a file in place, fsync it and its directory, and ask the device to discard
// freed blocks. Only Vault.wipe calls these.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHUNK = 1024 * 1024;

/** One pass of zeros over every byte of the file, then fsync. Returns the bytes overwritten. */
export async function overwriteFile(path: string): Promise<number> {
  const fh = await open(path, 'r+');
  try {
    const size = (await fh.stat()).size;
    const zeros = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
    for (let off = 0; off < size; ) {
      const n = Math.min(zeros.length, size - off);
      const { bytesWritten } = await fh.write(zeros, 0, n, off);
      if (bytesWritten <= 0) throw new Error(`overwrite stalled at byte ${off}`);
      off += bytesWritten;
    }
    await fh.sync();
    return size;
  } finally {
    await fh.close();
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export type DiscardResult = 'discard' | 'discard-unsupported';

/**
 * FITRIM is an ioctl Node cannot issue, so run fstrim on the mount holding `dir` when we are root and
 * the binary exists; anything else is recorded as unsupported (the device image's fstrim.timer covers it).
 */
export async function fstrimDiscard(dir: string): Promise<DiscardResult> {
  const bin = ['/usr/sbin/fstrim', '/sbin/fstrim', '/usr/bin/fstrim'].find((p) => existsSync(p));
  if (!bin || process.getuid?.() !== 0) return 'discard-unsupported';
  try {
    const { stdout } = await run('findmnt', ['-T', dir, '-n', '-o', 'TARGET'], { timeout: 5000 });
    const mount = stdout.trim() || dir;
    await run(bin, [mount], { timeout: 60_000 });
    return 'discard';
  } catch {
    return 'discard-unsupported';
  }
}
