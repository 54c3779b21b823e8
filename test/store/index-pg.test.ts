// The index contract against a real PostgreSQL (one server per test run; a database per test).
import test, { type ExecutionContext } from 'ava';
import pg from 'pg';
import { migrationsFor } from '../../central-store/index/migrations.js';
import { PgIndex } from '../../central-store/index/pg.js';
import type { Index } from '../../central-store/index/port.js';
import { ConfigError } from '../../shared/config.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import { dockLeaseHolder, takeDockLease } from '../../central-store/index/tables/dock-leases.js';
import { testPostgres } from '../helpers/backends/index.js';
import { indexContract } from './index-contract.js';
import { evidenceTablesContract } from './index-contract-evidence.js';

const server = await testPostgres();
let n = 0;
const urls = new WeakMap<object, string>();

if (!server.ok) test.skip(`PostgreSQL index tests skipped: ${server.reason}`, () => undefined);
else {
  const url = server.value;
  const fresh = async (t: ExecutionContext) => {
    const db = `idx_${process.pid}_${Date.now().toString(36)}_${n++}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    t.teardown(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    });
    const u = new URL(url);
    u.pathname = `/${db}`;
    const ix = await PgIndex.open(u.toString());
    urls.set(ix, u.toString());
    return ix;
  };
  const again = async (t: ExecutionContext, ix: Index) => {
    const other = await PgIndex.open(urls.get(ix)!);
    t.teardown(() => other.close());
    return other;
  };
  indexContract(test, 'pg', fresh, again);
  evidenceTablesContract(test, 'pg', fresh);

  test('pg: a connection cut while a unit holds it (a PostgreSQL restart) fails that unit, not the process; the next unit gets a fresh connection', async (t) => {
    const ix = await fresh(t) as PgIndex;
    t.teardown(() => ix.close());
    const admin = new pg.Client({ connectionString: urls.get(ix)! });
    await admin.connect();
    t.teardown(() => admin.end());
    await ix.migrate(MIGRATIONS);
    const cut = ix.tx(async (u) => {
      await dockLeaseHolder(u, 'dock-1');
      // The unit's backend is the one idle in its transaction; the server ends it (as a restart does).
      const [{ pid }] = (await admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`)).rows;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // Gone from the server: its socket is closed while this unit runs no statement.
      while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount) await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 50));
      return dockLeaseHolder(u, 'dock-1');
    });
    await t.throwsAsync(cut);
    t.true(await ix.tx((u) => takeDockLease(u, 'dock-1', 'node-a', 1, 2)), 'the next unit works');
  });

  test('pg: four nodes starting on a fresh database at once all open, and each migration applies once', async (t) => {
    const db = `idx_${process.pid}_${Date.now().toString(36)}_${n++}`;
    const admin = async (sql: string) => { const c = new pg.Client({ connectionString: url }); await c.connect(); try { await c.query(sql); } finally { await c.end(); } };
    await admin(`CREATE DATABASE ${db}`);
    t.teardown(() => admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
    const u = new URL(url); u.pathname = `/${db}`;
    const nodes = await Promise.all(Array.from({ length: 4 }, () => PgIndex.open(u.toString())));
    t.teardown(async () => { for (const x of nodes) await x.close(); });
    const applied = await Promise.all(nodes.map((x) => x.migrate(migrationsFor('pg'))));
    t.deepEqual(applied.flat().sort(), migrationsFor('pg').map((m) => m.name).sort());
  });

  test('pg: an unreachable server is a config error naming the setting', async (t) => {
    const e = await t.throwsAsync(PgIndex.open('postgres://bodycam:secret@127.0.0.1:9/x'));
    t.true(e instanceof ConfigError);
    t.regex(e!.message, /^config\.index\.postgres\.url: cannot use PostgreSQL at postgres:\/\/bodycam:\*\*\*@127\.0\.0\.1:9\/x: ECONNREFUSED/);
  });
}
