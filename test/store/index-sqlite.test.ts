// The index contract against sqlite (the embedded default), each test on a fresh database file.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { indexContract } from './index-contract.js';

indexContract(test, 'sqlite', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'index-sqlite-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return SqliteIndex.open(path.join(dir, 'central.db'));
});

test('sqlite: a unit of work refuses to begin inside a transaction already open on the connection', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'index-sqlite-'));
  const ix = SqliteIndex.open(path.join(dir, 'central.db'));
  t.teardown(async () => { await ix.close(); await rm(dir, { recursive: true, force: true }); });
  ix.db.exec('BEGIN');
  await t.throwsAsync(ix.tx(async () => 1), { message: /began inside another transaction/ });
  ix.db.exec('ROLLBACK');
  t.is(await ix.tx(async () => 2), 2);
});
