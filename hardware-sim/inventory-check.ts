// The inventory check (issue 19): walk every file, directory and sqlite table under the programs' data
// directories and name each one the data inventory (shared/data-inventory.ts) does not list; and scan
// the raw bytes of every file (database pages, journals, free space) for texts that must be gone.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { SqliteIndex } from '../central-store/index/sqlite.js';
import { tableNames } from '../central-store/index/tables/catalog.js';
import { INVENTORY, type Place, type Root } from '../shared/data-inventory.js';

export interface Finding { root: Root; path: string; table?: string; problem: string }

const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);

function isSqlite(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(16);
    return readSync(fd, b, 0, 16, 0) === 16 && b.toString('latin1') === 'SQLite format 3\0';
  } finally { closeSync(fd); }
}

/**
 * A sqlite file's tables, read-only through the index port's catalog owner (any program's file: the
 * port's read-only sqlite handle writes nothing, not even a pragma).
 */
async function tables(file: string): Promise<string[]> {
  const ix = SqliteIndex.openReadOnly(file);
  try { return await ix.tx(tableNames); } finally { await ix.close(); }
}

function* walk(dir: string, rel = ''): Generator<{ rel: string; abs: string; dir: boolean }> {
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    yield { rel: r, abs: path.join(dir, r), dir: e.isDirectory() };
    if (e.isDirectory()) yield* walk(dir, r);
  }
}

/** Every file, directory and table under the roots that no place of `inventory` covers. */
export async function checkInventory(roots: Partial<Record<Root, string[]>>, inventory: readonly Place[] = INVENTORY): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const [root, dirs] of Object.entries(roots) as [Root, string[]][]) {
    const mine = inventory.filter((p) => p.root === root);
    const files = mine.map((p) => glob(p.path));
    for (const d of dirs) {
      for (const f of walk(d)) {
        if (!files.some((g) => g.test(f.rel))) { out.push({ root, path: f.rel, problem: `${f.dir ? 'directory' : 'file'} not in the data inventory` }); continue; }
        if (f.dir || !isSqlite(f.abs)) continue;
        for (const t of await tables(f.abs)) {
          if (!mine.some((p) => p.table === t && glob(p.path).test(f.rel))) out.push({ root, path: f.rel, table: t, problem: 'table not in the data inventory' });
        }
      }
    }
  }
  return out;
}

/** Files under `dirs` whose raw bytes contain any of `texts` (UTF-8): which file holds which text. */
export function scanBytes(dirs: string[], texts: string[]): { file: string; text: string }[] {
  const needles = [...new Set(texts)].filter(Boolean).map((t) => ({ t, b: Buffer.from(t, 'utf8') }));
  const hits: { file: string; text: string }[] = [];
  for (const d of dirs) {
    for (const f of walk(d)) {
      if (f.dir) continue;
      const bytes = readFileSync(f.abs);
      for (const n of needles) if (bytes.includes(n.b)) hits.push({ file: f.abs, text: n.t });
    }
  }
  return hits;
}

export const describe = (f: Finding) => `${f.root}:${f.path}${f.table ? `#${f.table}` : ''}: ${f.problem}`;
