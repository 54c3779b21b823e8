// The inventory's own checks: the page and the code name the same places and deadlines, the walker
// fails on a table or file nobody listed, and deadline settings are validated with maximums.
import test from 'ava';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEADLINE_DEFAULTS, DeadlinesSchema } from '../../central-store/deadlines.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import type { Migration } from '../../central-store/index/port.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { insertUser } from '../../central-store/index/tables/users.js';
import { parseStoreConfig } from '../../central-store/config.js';
import { INVENTORY, OFF_DISK } from '../../shared/data-inventory.js';
import { checkInventory, describe, scanBytes } from '../../hardware-sim/inventory-check.js';

const doc = readFileSync(new URL('../../docs/data-inventory.md', import.meta.url), 'utf8');

test('docs/data-inventory.md lists exactly the places of shared/data-inventory.ts', (t) => {
  for (const p of INVENTORY) t.true(doc.includes(`\`${p.id}\``), `${p.id} is not on the page`);
  const onPage = [...doc.matchAll(/`((?:camera-flash|camera-trust|dock|central):[^`]+)`/g)].map((m) => m[1]!);
  const ids = new Set(INVENTORY.map((p) => p.id));
  for (const id of onPage) t.true(ids.has(id), `${id} is on the page but not in the code`);
  for (const o of OFF_DISK) t.true(doc.includes(`\`${o}\``), `${o} is not on the page`);
  t.is(new Set(INVENTORY.map((p) => p.id)).size, INVENTORY.length, 'ids are unique');
});

test('every deadline setting is on the page with its default and maximum', (t) => {
  const shape = DeadlinesSchema.shape;
  for (const [k, d] of Object.entries(DEADLINE_DEFAULTS)) {
    const max = (shape[k as keyof typeof shape] as unknown as { unwrap(): { maxValue: number } }).unwrap().maxValue;
    t.regex(doc, new RegExp(`\\| \`deadlines\\.${k}\` \\| ${d} \\| ${max} \\|`), `deadlines.${k} ${d}/${max}`);
    t.true(INVENTORY.some((p) => p.key?.includes(`deadlines.${k}`)), `no place is deleted by deadlines.${k}`);
  }
});

test('a deadline out of range is a config error naming the field', (t) => {
  const base = { storeId: 's', dataDir: '/tmp/x', mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'a', certPath: 'b', keyPath: 'c' } } };
  t.deepEqual(parseStoreConfig(base).deadlines, { ...DEADLINE_DEFAULTS });
  t.throws(() => parseStoreConfig({ ...base, deadlines: { deviceLogDays: 401 } }), { name: 'ConfigError', message: /config\.deadlines\.deviceLogDays: at most 400/ });
  t.throws(() => parseStoreConfig({ ...base, deadlines: { exportPackageHours: 0 } }), { message: /config\.deadlines\.exportPackageHours/ });
  t.throws(() => parseStoreConfig({ ...base, deadlines: { forever: 1 } }), { message: /config\.deadlines/ });
});

/** A sqlite file written through the index port: its migrations applied, then `fn`'s unit. */
async function viaPort(file: string, migrations: readonly Migration[], fn?: Parameters<SqliteIndex['tx']>[0]): Promise<void> {
  const ix = SqliteIndex.open(file);
  try { await ix.migrate(migrations); if (fn) await ix.tx(fn); } finally { await ix.close(); }
}
/** A program adding a table through a migration of its own. */
const extraTable = (name: string): Migration => ({ name: `test-${name}`, sqlite: `CREATE TABLE ${name} (t TEXT)`, pg: `CREATE TABLE ${name} (t TEXT)` });

/** A central data directory: a real central.db (every port migration, one user) and a blob. */
async function central(t: { teardown(f: () => void): void }): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inv-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await viaPort(path.join(dir, 'central.db'), MIGRATIONS, (u) => insertUser(u, { username: 'alice-officer', role: 'officer', hash: 'x', at: new Date().toISOString(), by: 'test' }));
  mkdirSync(path.join(dir, 'store', 'blobs', 'ab'), { recursive: true });
  writeFileSync(path.join(dir, 'store', 'blobs', 'ab', 'abcdef'), 'ciphertext');
  return dir;
}

test('the checker passes listed places and names a table nobody listed', async (t) => {
  const dir = await central(t);
  t.deepEqual((await checkInventory({ central: [dir] })).map(describe), []);
  await viaPort(path.join(dir, 'central.db'), [extraTable('shadow_copy')]);
  t.deepEqual((await checkInventory({ central: [dir] })).map(describe), ['central:central.db#shadow_copy: table not in the data inventory']);
});

test('the checker names a file or directory nobody listed, and a database under a name nobody listed', async (t) => {
  const dir = await central(t);
  mkdirSync(path.join(dir, 'cache'));
  writeFileSync(path.join(dir, 'cache', 'thumb.jpg'), 'x');
  await viaPort(path.join(dir, 'store', 'blobs', 'ab', 'side.db'), [extraTable('notes')]);
  const found = (await checkInventory({ central: [dir] })).map(describe);
  t.true(found.includes('central:cache: directory not in the data inventory'), found.join('\n'));
  t.true(found.includes('central:cache/thumb.jpg: file not in the data inventory'), found.join('\n'));
  // The blob glob covers the file name, but no table lives there.
  t.true(found.includes('central:store/blobs/ab/side.db#notes: table not in the data inventory'), found.join('\n'));
});

// The scanner itself, on a scratch sqlite file that is no program's (the index port always deletes
// with secure_delete on, so only a file outside it can leave a deleted row's bytes behind).
test('the byte scan finds a text in a database file, deleted rows included without secure_delete', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inv-scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'scratch.db');
  const db = new Database(file);
  db.exec("CREATE TABLE users (username TEXT); INSERT INTO users VALUES ('alice-officer')");
  db.close();
  t.deepEqual(scanBytes([dir], ['alice-officer']).map((h) => path.basename(h.file)), ['scratch.db']);
  const db1 = new Database(file);
  db1.pragma('secure_delete = OFF');
  db1.exec('DELETE FROM users');
  db1.close();
  t.is(scanBytes([dir], ['alice-officer']).length, 1, 'a plain DELETE leaves the bytes: the scan must see them');
  const db2 = new Database(file);
  db2.pragma('secure_delete = ON');
  db2.exec("INSERT INTO users VALUES ('bob'); DELETE FROM users; VACUUM");
  db2.close();
  t.is(scanBytes([dir], ['alice-officer']).length, 0);
});

test('the byte scan finds a user in central.db written through the port', async (t) => {
  const dir = await central(t);
  t.deepEqual(scanBytes([dir], ['alice-officer']).map((h) => path.basename(h.file)), ['central.db']);
});
