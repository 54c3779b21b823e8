// The index contract against sqlite (the embedded default), each test on a fresh database file.
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { MIGRATIONS, RECEIPTS_MIGRATIONS } from '../../central-store/index/migrations.js';
import { ReceiptBook } from '../../central-store/deletion-receipts.js';
import { generateKeyPairSync } from 'node:crypto';
import { getClip } from '../../central-store/index/tables/clips.js';
import { holdHistory } from '../../central-store/index/tables/holds.js';
import { tableNames } from '../../central-store/index/tables/catalog.js';
import { indexContract } from './index-contract.js';
import { LEGACY_MIGRATIONS, LEGACY_RECEIPTS_MIGRATIONS, NEW_WITH_PORT, NEW_WITH_PORT_OBJECTS, buildLegacy } from './legacy-central-db.js';
import { evidenceTablesContract } from './index-contract-evidence.js';

const fresh = async (t: ExecutionContext) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'index-sqlite-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return SqliteIndex.open(path.join(dir, 'central.db'));
};
// sqlite is one node: a second connection in the same process would block the thread (better-sqlite3 is
// synchronous) while the first waits for it. The CLI beside the server is another process (busy_timeout).
indexContract(test, 'sqlite', fresh, async (_t, ix) => ix);
evidenceTablesContract(test, 'sqlite', fresh);

test('sqlite: a unit of work refuses to begin inside a transaction already open on the connection', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'index-sqlite-'));
  const ix = SqliteIndex.open(path.join(dir, 'central.db'));
  t.teardown(async () => { await ix.close(); await rm(dir, { recursive: true, force: true }); });
  ix.db.exec('BEGIN');
  await t.throwsAsync(ix.tx(async () => 1), { message: /began inside another transaction/ });
  ix.db.exec('ROLLBACK');
  t.is(await ix.tx(async () => 2), 2);
});

/** Every schema object, its SQL with whitespace collapsed (the text sqlite keeps is as written). */
const schema = (ix: SqliteIndex) => (ix.db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as
  { type: string; name: string; tbl_name: string; sql: string | null }[]).map((r) => ({ ...r, sql: r.sql?.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')') }));

test('sqlite: a new store gets the schema the pre-port modules built, under the same migration names', async (t) => {
  const a = await fresh(t), b = await fresh(t);
  t.teardown(async () => { await a.close(); await b.close(); });
  buildLegacy(a.db);
  t.deepEqual(await b.migrate(MIGRATIONS), [...LEGACY_MIGRATIONS.map(([n]) => n), ...NEW_WITH_PORT]);
  t.deepEqual(await a.migrate(MIGRATIONS), NEW_WITH_PORT);
  t.deepEqual(schema(b), schema(a));
});

test('sqlite: an existing store opens unchanged: nothing re-runs, its rows read through the owners, secure_delete and the rollback journal stay', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'index-sqlite-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'central.db');
  const old = SqliteIndex.open(file);
  buildLegacy(old.db);
  old.db.prepare(`INSERT INTO clips (clip_id, device_id, dock_id, bytes, sha256, epoch_id, clip_state, started_at, received_at, blob_key, receipt_json, worker_id, purpose)
    VALUES ('old-1', 'cam-1', 'dock-1', 10, 'ab', 'e-1', 'closed', '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', 'old-1', '{}', 'w', 'patrol')`).run();
  old.db.prepare(`INSERT INTO holds (clip_id, reason, case_number, placed_by, placed_at) VALUES ('old-1', 'r', 'K-9', 'o', '2026-01-02T00:00:00.000Z')`).run();
  old.db.prepare(`INSERT INTO hold_events (clip_id, action, reason, case_number, by, at) VALUES ('old-1', 'place', 'r', 'K-9', 'o', '2026-01-02T00:00:00.000Z')`).run();
  const before = { schema: schema(old), migrations: old.db.prepare('SELECT * FROM migrations ORDER BY name').all() };
  await old.close();
  const ix = SqliteIndex.open(file);
  t.teardown(() => ix.close());
  t.deepEqual(await ix.migrate(MIGRATIONS), NEW_WITH_PORT, 'no migration runs again; only tables new with the port are made');
  t.deepEqual({ schema: schema(ix).filter((o) => !NEW_WITH_PORT_OBJECTS.includes(o.name)),
    migrations: (ix.db.prepare('SELECT * FROM migrations ORDER BY name').all() as { name: string }[]).filter((m) => !NEW_WITH_PORT.includes(m.name)) }, before);
  t.is((await ix.tx((u) => getClip(u, 'old-1')))!.purpose, 'patrol');
  t.deepEqual(await ix.tx((u) => holdHistory(u, 'old-1')), [{ clipId: 'old-1', action: 'place', reason: 'r', caseNumber: 'K-9', by: 'o', at: '2026-01-02T00:00:00.000Z' }]);
  t.is(ix.db.pragma('secure_delete', { simple: true }), 1);
  t.is(String(ix.db.pragma('journal_mode', { simple: true })).toLowerCase(), 'delete');
});

test('sqlite: receipts stay in their own receipts.db; an existing one opens with nothing re-run and its receipts listed', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'index-sqlite-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'receipts.db');
  const old = SqliteIndex.open(file);
  buildLegacy(old.db, LEGACY_RECEIPTS_MIGRATIONS);
  old.db.prepare(`INSERT INTO deletion_receipts (clip_id, requested_at, deleted_at, doc_json) VALUES ('old-1', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', ?)`)
    .run(JSON.stringify({ body: JSON.stringify({ v: 1, kind: 'deletion-receipt', clipId: 'old-1', deletedAt: '2026-01-02T00:00:00.000Z' }), sig: 'x', keyId: 'k' }));
  const before = { schema: schema(old), migrations: old.db.prepare('SELECT * FROM migrations ORDER BY name').all() };
  await old.close();
  const fresh = await (async () => { const d = await mkdtemp(path.join(os.tmpdir(), 'index-sqlite-')); t.teardown(() => rm(d, { recursive: true, force: true })); return SqliteIndex.open(path.join(d, 'r.db')); })();
  t.teardown(() => fresh.close());
  t.deepEqual(await fresh.migrate(RECEIPTS_MIGRATIONS), ['receipts-1']);
  t.deepEqual(schema(fresh), before.schema, 'a new receipts.db gets the same schema');

  const central = SqliteIndex.open(path.join(dir, 'central.db'));
  t.teardown(() => central.close());
  const book = await ReceiptBook.open({ dir, index: central, signingKey: generateKeyPairSync('ed25519').privateKey, storeId: 's' });
  t.deepEqual((await book.deletions()).map((r) => r.clipId), ['old-1']);
  await book.close();
  const after = SqliteIndex.open(file);
  t.teardown(() => after.close());
  t.deepEqual({ schema: schema(after), migrations: after.db.prepare('SELECT * FROM migrations ORDER BY name').all() }, before);
  t.is(after.db.pragma('secure_delete', { simple: true }), 1);
  t.false((await central.tx(tableNames)).some((n) => n === 'deletion_receipts' || n === 'key_destructions'), 'central.db holds no receipts table');
});
