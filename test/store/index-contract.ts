// One contract for every index port implementation (sqlite, PostgreSQL), registered by
// index-sqlite.test.ts and index-pg.test.ts: migrations, units of work, and each table owner already
// moved behind the port (docs/scale-out.md lists them).
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import type { Index, Migration } from '../../central-store/index/port.js';
import { accessLogContract } from './contract/access-log.js';
import { usersSessionsContract } from './contract/users-sessions.js';
import { markersCasesContract } from './contract/markers-cases.js';
import { redactionPlansContract } from './contract/redaction-plans.js';
import { evidenceKeysContract } from './contract/evidence-keys.js';
import { jobLeasesContract } from './contract/job-leases.js';
import { dockLeasesContract } from './contract/dock-leases.js';
import { clipPutClaimsContract } from './contract/clip-put-claims.js';
import { receiptsContract } from './contract/receipts.js';
import {
  deleteExportsBefore, exportPackageRow, listExports, livePackagePaths, livePackagesBefore, markPackageRemoved, recordExport, type ExportRecord,
} from '../../central-store/index/tables/exports.js';

const TEST_MIGRATIONS: Migration[] = [
  { name: 'contract-1', sqlite: 'CREATE TABLE contract_pairs (id INTEGER PRIMARY KEY, pair INTEGER NOT NULL, side TEXT NOT NULL, note TEXT)',
    pg: 'CREATE TABLE contract_pairs (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, pair INTEGER NOT NULL, side TEXT NOT NULL, note TEXT)' },
  { name: 'contract-2', sqlite: 'CREATE INDEX contract_pairs_pair ON contract_pairs(pair)', pg: 'CREATE INDEX contract_pairs_pair ON contract_pairs(pair)' },
];

/**
 * `open` gives a fresh, empty database per test; `again` a second connection (another central node) to
 * the database of an index `open` gave.
 */
export function indexContract(test: TestFn, name: string, open: (t: ExecutionContext) => Promise<Index>, again: (t: ExecutionContext, ix: Index) => Promise<Index>): void {
  const ready = async (t: ExecutionContext) => {
    const ix = await open(t);
    t.teardown(() => ix.close());
    return ix;
  };

  test(`${name}: migrations apply once each, in list order; a second run applies none`, async (t) => {
    const ix = await ready(t);
    const list = [...MIGRATIONS, ...TEST_MIGRATIONS];
    t.deepEqual(await ix.migrate(list), list.map((m) => m.name));
    t.deepEqual(await ix.migrate(list), []);
    const rows = await ix.tx((u) => u.all<{ name: string }>('SELECT name FROM migrations WHERE name LIKE ? ORDER BY name', ['contract-%']));
    t.deepEqual(rows.map((r) => r.name), ['contract-1', 'contract-2']);
  });

  test(`${name}: a unit of work commits every statement together, or none when it throws`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(TEST_MIGRATIONS);
    await ix.tx(async (u) => {
      await u.run('INSERT INTO contract_pairs (pair, side) VALUES (?, ?)', [1, 'a']);
      t.is((await u.get<{ n: number }>('SELECT COUNT(*) AS n FROM contract_pairs'))!.n.toString(), '1', 'a unit sees its own writes');
      await u.run('INSERT INTO contract_pairs (pair, side) VALUES (?, ?)', [1, 'b']);
    });
    await t.throwsAsync(ix.tx(async (u) => {
      await u.run('INSERT INTO contract_pairs (pair, side) VALUES (?, ?)', [2, 'a']);
      throw new Error('half way');
    }), { message: 'half way' });
    const failed = await ix.tx(async (u) => {
      await u.run('INSERT INTO contract_pairs (pair, side) VALUES (?, ?)', [3, 'a']);
      await u.run('INSERT INTO no_such_table (x) VALUES (?)', [1]);
    }).then(() => null, (err: unknown) => String((err as Error)?.message));
    t.regex(failed ?? 'committed', /no_such_table/, 'a failing statement fails the unit');
    const rows = await ix.tx((u) => u.all<{ pair: number; side: string }>('SELECT pair, side FROM contract_pairs ORDER BY id'));
    t.deepEqual(rows.map((r) => [Number(r.pair), r.side]), [[1, 'a'], [1, 'b']]);
  });

  test(`${name}: concurrent units each land whole (40 pairs, every fifth failing half way)`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(TEST_MIGRATIONS);
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => ix.tx(async (u) => {
      await u.run('INSERT INTO contract_pairs (pair, side) VALUES (?, ?)', [i, 'a']);
      if (i % 5 === 0) throw new Error(`pair ${i} fails`);
      await u.run('INSERT INTO contract_pairs (pair, side) VALUES (?, ?)', [i, 'b']);
    })));
    t.is(results.filter((r) => r.status === 'rejected').length, 8);
    const rows = await ix.tx((u) => u.all<{ pair: number; n: number }>('SELECT pair, COUNT(*) AS n FROM contract_pairs GROUP BY pair ORDER BY pair'));
    t.deepEqual(rows.map((r) => [Number(r.pair), Number(r.n)]), Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 5 !== 0).map((i) => [i, 2]));
  });

  test(`${name}: values travel as parameters (quotes, question marks, null, unicode)`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(TEST_MIGRATIONS);
    const odd = ["it's", 'what?', '$1', 'Ærø; DROP TABLE contract_pairs; --', null];
    await ix.tx(async (u) => { for (const [i, v] of odd.entries()) await u.run('INSERT INTO contract_pairs (pair, side, note) VALUES (?, ?, ?)', [i, 's', v]); });
    const rows = await ix.tx((u) => u.all<{ note: string | null }>('SELECT note FROM contract_pairs WHERE side = ? ORDER BY pair', ['s']));
    t.deepEqual(rows.map((r) => r.note), odd);
  });

  test(`${name}: exports table owner: records, ids, packages leaving the server, deletion by age`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(MIGRATIONS);
    const a: ExportRecord = { kind: 'police-export', journalNumber: '0100-1', recipient: 'Politi', subject: null, exportedBy: 'owen',
      exportedAt: '2026-03-02T10:00:00.000Z', clipIds: ['c-1', 'c-2'], packageSha256: 'ab'.repeat(32), packagePath: '/x/exports/a.zip' };
    const b: ExportRecord = { kind: 'subject-access', journalNumber: null, recipient: null, subject: 'Jens Hansen', exportedBy: 'dpo',
      exportedAt: '2026-03-05T10:00:00.000Z', clipIds: ['c-3'], packageSha256: 'cd'.repeat(32), packagePath: '/x/exports/b.zip' };
    const ida = await ix.tx((u) => recordExport(u, a));
    const idb = await ix.tx((u) => recordExport(u, b));
    t.true(idb > ida);
    t.deepEqual(await ix.tx((u) => listExports(u)), [{ ...a, exportId: ida, removedAt: null }, { ...b, exportId: idb, removedAt: null }]);
    t.deepEqual(await ix.tx((u) => exportPackageRow(u, ida)), { exportId: ida, kind: 'police-export', path: '/x/exports/a.zip', sha256: 'ab'.repeat(32), removedAt: null });
    t.is(await ix.tx((u) => exportPackageRow(u, idb + 100)), undefined);
    t.deepEqual(await ix.tx((u) => livePackagesBefore(u, '2026-03-03T00:00:00.000Z', '2026-01-01T00:00:00.000Z')), [ida]);
    await ix.tx((u) => markPackageRemoved(u, ida, '2026-03-02T11:00:00.000Z'));
    await ix.tx((u) => markPackageRemoved(u, ida, '2026-03-09T00:00:00.000Z'));
    t.is((await ix.tx((u) => exportPackageRow(u, ida)))!.removedAt, '2026-03-02T11:00:00.000Z', 'the first removal time stands');
    t.deepEqual(await ix.tx((u) => livePackagePaths(u)), ['/x/exports/b.zip']);
    t.is(await ix.tx((u) => deleteExportsBefore(u, '2026-03-04T00:00:00.000Z')), 1);
    t.deepEqual((await ix.tx((u) => listExports(u))).map((e) => e.exportId), [idb]);
  });

  accessLogContract(test, name, ready, again);
  usersSessionsContract(test, name, ready, again);
  markersCasesContract(test, name, ready);
  redactionPlansContract(test, name, ready);
  evidenceKeysContract(test, name, ready, again);
  jobLeasesContract(test, name, ready, again);
  dockLeasesContract(test, name, ready, again);
  clipPutClaimsContract(test, name, ready, again);
  receiptsContract(test, name, ready, again);
}
