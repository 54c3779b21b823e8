// The store's `index` setting: sqlite on central.db by default, PostgreSQL when configured. Bad or
// unreachable PostgreSQL settings exit 78 naming the field; every table a store creates is behind the
// port (never half the records in PostgreSQL and half in a node-local file).
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseStoreConfig } from '../../central-store/config.js';
import { openCentralDb } from '../../central-store/db.js';
import { MIGRATIONS, RECEIPTS_MIGRATIONS, migrationsFor } from '../../central-store/index/migrations.js';
import { openIndex } from '../../central-store/index/open.js';
import { PgIndex } from '../../central-store/index/pg.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { appliedMigrations, tableNames } from '../../central-store/index/tables/catalog.js';
import { openStoreContext } from '../../central-store/store-context.js';
import { recordCensus } from '../../central-store/record-census.js';
import { ConfigError } from '../../shared/config.js';
import { testPostgres } from '../helpers/backends/index.js';
import { readIndexFile } from '../helpers/index-read.js';

const MQTT = { url: 'mqtts://127.0.0.1:1', tls: { caPath: 'ca', certPath: 'c', keyPath: 'k' } };
const base = { storeId: 's', dataDir: '/tmp/x', mqtt: MQTT };
const ROOT = path.resolve(import.meta.dirname, '../..');
// Before any test is declared: ava starts the declared tests on the next tick, and a test declared
// after this await (it starts a PostgreSQL when the file runs alone) would be refused.
const server = await testPostgres();

async function tempDir(t: import('ava').ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('config: sqlite by default; a PostgreSQL URL must not carry its password; errors name the field', (t) => {
  t.deepEqual(parseStoreConfig(base).index, { backend: 'sqlite' });
  const c = parseStoreConfig({ ...base, index: { backend: 'postgres', postgres: { url: 'postgres://bodycam@db.internal:5432/bodycam', passwordFile: '/etc/bodycam/pg' } } });
  t.deepEqual(c.index, { backend: 'postgres', postgres: { url: 'postgres://bodycam@db.internal:5432/bodycam', passwordFile: '/etc/bodycam/pg', poolMax: 10 } });
  t.throws(() => parseStoreConfig({ ...base, index: { backend: 'postgres', postgres: { url: 'postgres://bodycam:secret@db/x' } } }),
    { message: /^config\.index\.postgres\.url: no password in the URL/ });
  t.throws(() => parseStoreConfig({ ...base, index: { backend: 'postgres', postgres: { url: 'http://db/x' } } }), { message: /^config\.index\.postgres\.url: a postgres:\/\// });
  t.throws(() => parseStoreConfig({ ...base, index: { backend: 'postgres', postgres: { url: 'postgres://db/x', poolMax: 0 } } }), { message: /^config\.index\.postgres\.poolMax:/ });
  t.throws(() => parseStoreConfig({ ...base, index: { backend: 'mysql' } }), { message: /^config\.index\.backend:/ });
});

test('sqlite: one index per connection, migrations applied at open, the store context carries it', async (t) => {
  const dir = await tempDir(t, 'index-open-');
  const db = openCentralDb(path.join(dir, 'central.db'));
  t.teardown(() => db.close());
  const ix = await openIndex(parseStoreConfig(base), db);
  t.is(ix, SqliteIndex.for(db), 'the same index for the same connection');
  const names = await ix.tx((u) => appliedMigrations(u));
  for (const m of MIGRATIONS) t.true(names.includes(m.name), m.name);
});

// On PostgreSQL a table made outside the port's migrations would stay in a node-local file.
test('every table a full store creates (central.db and receipts.db) is made by a port migration', async (t) => {
  const dir = await tempDir(t, 'index-cover-');
  const ctx = await openStoreContext(parseStoreConfig({ ...base, dataDir: dir }), { masterKey: async () => randomBytes(32) });
  t.teardown(() => ctx.close());
  await ctx.evidence();
  const tables = (file: string) => readIndexFile(file, tableNames);
  const all = new Set([...await tables(path.join(dir, 'central.db')), ...await tables(path.join(dir, 'receipts.db'))]);
  const fresh = SqliteIndex.open(path.join(dir, 'ported.db'));
  await fresh.migrate(migrationsFor('pg'));
  const ported = new Set(await tables(path.join(dir, 'ported.db')));
  await fresh.close();
  const outside = [...all].filter((n) => !ported.has(n)).sort();
  t.deepEqual(outside, []);
  t.true(ported.has('exports'));
  t.true(ported.has('deletion_receipts') && ported.has('key_destructions'));
  t.true(all.has('deletion_receipts') && all.has('key_destructions'));
});

if (!server.ok) test.skip(`PostgreSQL index start tests skipped: ${server.reason}`, () => undefined);
else {
  const url = server.value;
  let n = 0;
  async function freshDb(t: import('ava').ExecutionContext): Promise<string> {
    const name = `open_${process.pid}_${n++}`;
    const c = new pg.Client({ connectionString: url }); await c.connect();
    await c.query(`CREATE DATABASE ${name}`); await c.end();
    t.teardown(async () => { const d = new pg.Client({ connectionString: url }); await d.connect(); await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await d.end(); });
    const u = new URL(url); u.pathname = `/${name}`;
    return u.toString();
  }
  const pgConfig = (u: string, extra: object = {}) => parseStoreConfig({ ...base, index: { backend: 'postgres', postgres: { url: u, ...extra } } });

  test('pg: opens and migrates the whole index, the receipts included, once', async (t) => {
    const u = await freshDb(t);
    const dir = await tempDir(t, 'index-pg-open-');
    const db = openCentralDb(path.join(dir, 'central.db'));
    t.teardown(() => db.close());
    const ix = await openIndex(pgConfig(u), db);
    t.teardown(() => ix.close());
    t.true(ix instanceof PgIndex);
    t.deepEqual((await ix.tx(appliedMigrations)).sort(), [...MIGRATIONS, ...RECEIPTS_MIGRATIONS].map((m) => m.name).sort());
    const again = await openIndex(pgConfig(u), db);
    t.teardown(() => again.close());
    t.deepEqual(await again.migrate(migrationsFor('pg')), [], 'a second node applies nothing');
  });

  test('pg: a whole store context opens on PostgreSQL; its receipts are in the index database, no receipts.db and no central.db', async (t) => {
    const u = await freshDb(t);
    const dir = await tempDir(t, 'index-pg-ctx-');
    const ctx = await openStoreContext(parseStoreConfig({ ...base, dataDir: dir, index: { backend: 'postgres', postgres: { url: u } } }), { masterKey: async () => randomBytes(32) });
    t.teardown(() => ctx.close());
    const ev = await ctx.evidence();
    t.deepEqual(await ev.deletionReceipts(), []);
    const kinds = await recordCensus(ctx.index, path.join(dir, 'receipts.db'), ctx.config, Date.now());
    t.like(kinds.find((k) => k.kind === 'deletion receipts'), { place: 'index#deletion_receipts', count: 0 });
    t.false(existsSync(path.join(dir, 'receipts.db')));
    t.false(existsSync(path.join(dir, 'central.db')), 'no sqlite index file beside a PostgreSQL index');
    const names = await ctx.index.tx(tableNames);
    t.true(names.includes('deletion_receipts') && names.includes('key_destructions'));
  });

  test('pg: an unreadable password file is a config error naming it', async (t) => {
    const dir = await tempDir(t, 'index-pg-pw-');
    const db = openCentralDb(path.join(dir, 'central.db'));
    t.teardown(() => db.close());
    await t.throwsAsync(openIndex(pgConfig(url, { passwordFile: path.join(dir, 'none') }), db), { instanceOf: ConfigError, message: /^config\.index\.postgres\.passwordFile: cannot read .*ENOENT/ });
  });

  async function serverExit(t: import('ava').ExecutionContext, index: object): Promise<{ code: number | null; err: string }> {
    const dir = await tempDir(t, 'index-main-');
    for (const f of ['ca', 'c', 'k']) await writeFile(path.join(dir, f), 'x');
    await writeFile(path.join(dir, 'master.key'), randomBytes(32));
    const cfg = path.join(dir, 'store.json');
    await writeFile(cfg, JSON.stringify({ ...base, dataDir: 'data', index }));
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), cfg], { cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', BODYCAM_MASTER_KEY_FILE: path.join(dir, 'master.key') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = ''; p.stderr!.on('data', (d) => { err += d; });
    return { code: await new Promise((r) => p.on('close', r)), err };
  }

  test('server start: unreachable PostgreSQL exits 78 naming the setting', async (t) => {
    const down = await serverExit(t, { backend: 'postgres', postgres: { url: 'postgres://bodycam@127.0.0.1:9/x' } });
    t.is(down.code, 78, down.err);
    t.regex(down.err, /config\.index\.postgres\.url: cannot use PostgreSQL at postgres:\/\/bodycam@127\.0\.0\.1:9\/x: ECONNREFUSED/);
  });
}
