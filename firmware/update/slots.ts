// Slot contents: write a bundle's files into a slot directory (hashing while writing) and check a
// slot's files against the manifest it was installed from (the launcher does before every boot).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncPathSync } from '../../shared/durable-file.js';
import { BundleError, parseManifest, type Manifest } from '../../shared/firmware-bundle/manifest.js';

export const SLOT_MANIFEST = '.manifest.json';
const CHUNK = 4 * 1024 * 1024;

export interface WriteSlotOptions {
  onProgress?: (done: number, total: number) => void;
}

/** Empty the slot directory (or create it). Firmware is not secret, so a plain unlink is enough. */
export function clearSlot(slotDir: string): void {
  rmSync(slotDir, { recursive: true, force: true });
  mkdirSync(slotDir, { recursive: true });
  fsyncPathSync(dirname(slotDir));
}

/**
 * Copy each file from the bundle into `slotDir`, hashing the bytes as they are written; a mismatch
 * stops at once with BundleError('tampered'). Files and directories are fsynced, and the manifest
 * bytes land last as .manifest.json. Returns the SHA-256 of the manifest bytes.
 */
export async function writeSlot(bundle: FileHandle, payloadOffset: number, manifestBytes: Buffer, m: Manifest, slotDir: string, o: WriteSlotOptions = {}): Promise<string> {
  const total = m.files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  let off = payloadOffset;
  const dirs = new Set<string>([slotDir]);
  // Two buffers: the next read runs while the current chunk is hashed and written.
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  for (const f of m.files) {
    const dest = join(slotDir, f.path);
    mkdirSync(dirname(dest), { recursive: true });
    dirs.add(dirname(dest));
    const out = await open(dest, 'wx', 0o644);
    try {
      const h = createHash('sha256');
      let left = f.size;
      let which = 0;
      let reading = left > 0 ? bundle.read(bufs[0]!, 0, Math.min(CHUNK, left), off) : null;
      while (reading) {
        const { bytesRead } = await reading;
        if (bytesRead === 0) throw new BundleError('truncated', `bundle ended inside ${f.path}`);
        const chunk = bufs[which]!.subarray(0, bytesRead);
        off += bytesRead;
        left -= bytesRead;
        which ^= 1;
        reading = left > 0 ? bundle.read(bufs[which]!, 0, Math.min(CHUNK, left), off) : null;
        h.update(chunk);
        const { bytesWritten } = await out.write(chunk);
        if (bytesWritten !== chunk.length) throw new BundleError('io', `short write to ${dest}: flash full?`);
        done += bytesRead;
        o.onProgress?.(done, total);
      }
      await out.sync();
      const got = h.digest('hex');
      if (got !== f.sha256) throw new BundleError('tampered', `file ${f.path}: SHA-256 ${got.slice(0, 16)}… does not match the signed manifest (${f.sha256.slice(0, 16)}…)`);
    } finally {
      await out.close();
    }
  }
  const mf = await open(join(slotDir, SLOT_MANIFEST), 'wx', 0o644);
  try {
    await mf.write(manifestBytes);
    await mf.sync();
  } finally {
    await mf.close();
  }
  for (const d of [...dirs].sort((x, y) => y.length - x.length)) fsyncPathSync(d);
  return createHash('sha256').update(manifestBytes).digest('hex');
}

function hashFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** Does the slot hold exactly what its manifest (pinned by `manifestSha256`) lists? Reason when not. */
export function checkSlot(slotDir: string, manifestSha256: string | null): { ok: true; manifest: Manifest } | { ok: false; reason: string } {
  if (!manifestSha256) return { ok: false, reason: 'no manifest recorded for the slot' };
  const mp = join(slotDir, SLOT_MANIFEST);
  if (!existsSync(mp)) return { ok: false, reason: `${SLOT_MANIFEST} missing` };
  const bytes = readFileSync(mp);
  if (createHash('sha256').update(bytes).digest('hex') !== manifestSha256) return { ok: false, reason: `${SLOT_MANIFEST} does not match the boot state` };
  let m: Manifest;
  try {
    m = parseManifest(bytes);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  for (const f of m.files) {
    const p = join(slotDir, f.path);
    if (!existsSync(p)) return { ok: false, reason: `${f.path} missing` };
    if (statSync(p).size !== f.size) return { ok: false, reason: `${f.path}: size differs from the manifest` };
    if (hashFile(p) !== f.sha256) return { ok: false, reason: `${f.path}: SHA-256 differs from the manifest` };
  }
  return { ok: true, manifest: m };
}
