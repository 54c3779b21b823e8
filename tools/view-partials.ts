// `bodycam store view -o FILE` writes decrypted video to FILE.part-<pid> first. If the process is killed
// there, the partial plaintext would stay: so each write is registered in <dataDir>/view-partials/ (the
// path only, never content) and every later start of `bodycam store` overwrites and unlinks the partial
// of a writer that is no longer running; a view also clears dead FILE.part-<pid> siblings of its FILE.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { overwriteAndUnlink, writeDurable } from '../shared/durable-file.js';

export const registryDir = (dataDir: string) => path.join(dataDir, 'view-partials');

export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Note a partial file before its first byte is written; returns the entry to remove when done. */
export function registerPartial(dataDir: string, file: string): string {
  const entry = path.join(registryDir(dataDir), `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  writeDurable(entry, JSON.stringify({ pid: process.pid, path: path.resolve(file) }), 0o600);
  return entry;
}

const PART = /\.part-(\d+)$/;

/** Overwrite and unlink the partial files of writers that died; returns the files removed. */
export async function cleanPartials(dataDir: string, alive = pidAlive): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try { names = readdirSync(registryDir(dataDir)); } catch { return removed; }
  for (const n of names) {
    const entry = path.join(registryDir(dataDir), n);
    let e: { pid?: unknown; path?: unknown };
    try { e = JSON.parse(readFileSync(entry, 'utf8')) as typeof e; } catch { e = {}; }
    if (typeof e.pid === 'number' && alive(e.pid)) continue;
    // Only a registered FILE.part-<pid> of that very pid is ever touched: the entry cannot name any other file.
    if (typeof e.path === 'string' && typeof e.pid === 'number' && e.path.endsWith(`.part-${e.pid}`)) {
      await overwriteAndUnlink(e.path);
      removed.push(e.path);
    }
    await rm(entry, { force: true });
  }
  return removed;
}

/** FILE.part-<pid> siblings of `file` whose writer is not running: overwritten and unlinked. */
export async function cleanSiblings(file: string, alive = pidAlive): Promise<string[]> {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  const removed: string[] = [];
  let names: string[];
  try { names = readdirSync(dir); } catch { return removed; }
  for (const n of names) {
    const m = PART.exec(n);
    if (!m || n.slice(0, -m[0].length) !== base || alive(Number(m[1]))) continue;
    await overwriteAndUnlink(path.join(dir, n));
    removed.push(path.join(dir, n));
  }
  return removed;
}
