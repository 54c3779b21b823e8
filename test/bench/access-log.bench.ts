// Access-log cost: one durable append (hash chain + triggers + its own fsync'd transaction) vs a plain
// durable INSERT of the same row in its own unit (baseline, same run: the bench's own table, made by a
// migration through the port in a second file with the same pragmas, on the same disk); verify() and
// the 6-month purge over 100 000 entries.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessLog } from '../../central-store/access-log.js';
import type { Migration } from '../../central-store/index/port.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import { openCentralDb } from '../../central-store/db.js';

const N = Number(process.env.ACCESS_LOG_BENCH_N ?? 400);
const BIG = Number(process.env.ACCESS_LOG_BENCH_BIG ?? 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'access-log-bench-'));
try {
  const db = openCentralDb(path.join(dir, 'central.db'));
  let t = Date.parse('2026-01-01T00:00:00Z');
  const ix = SqliteIndex.for(db);
  await ix.migrate(MIGRATIONS);
  const log = new AccessLog(ix, { now: () => t });
  const PLAIN = 'CREATE TABLE plain (seq INTEGER PRIMARY KEY, at TEXT, user TEXT, action TEXT, criterion TEXT, outcome TEXT, reason TEXT, prev_hash TEXT, hash TEXT)';
  const plain = SqliteIndex.open(path.join(dir, 'plain.db'));
  await plain.migrate([{ name: 'bench-plain', sqlite: PLAIN, pg: PLAIN } satisfies Migration]);
  const ins = (at: string, crit: string) => plain.tx((u) => u.run('INSERT INTO plain (at, user, action, criterion, outcome, reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [at, 'owen', 'search', crit, 'ok', null, '0'.repeat(64), 'f'.repeat(64)]));
  const crit = JSON.stringify({ deviceId: 'cam-17', from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' });
  const time = async (fn: () => unknown) => { const s = process.hrtime.bigint(); await fn(); return Number(process.hrtime.bigint() - s) / 1e6; };
  // Interleaved rounds so disk hiccups hit both sides alike.
  let appendMs = 0; let plainMs = 0;
  for (let r = 0; r < 4; r++) {
    plainMs += await time(async () => { for (let i = 0; i < N / 4; i++) await ins(new Date(t).toISOString(), crit); });
    appendMs += await time(async () => { for (let i = 0; i < N / 4; i++) await log.append({ user: 'owen', action: 'search', criterion: crit, outcome: 'ok' }); });
  }
  // Bulk-fill to BIG entries (one transaction), one per minute of log time, then verify and purge.
  await ix.tx(async (u) => { for (let i = N; i < BIG; i++) { t += 60_000; await log.appendIn(u, { user: 'owen', action: 'search', criterion: crit, outcome: 'ok' }); } });
  const verifyMs = await time(async () => { if (!(await log.verify()).ok) throw new Error('chain broken'); });
  t = Date.parse('2026-01-01T00:00:00Z') + 60_000 * BIG / 2 + 183 * 86_400_000; // about half is older than 6 months
  let purged = 0;
  const purgeMs = await time(async () => { purged = (await log.purge('system')).deleted; });
  const verifyAfter = (await log.verify()).ok;
  db.close();
  await plain.close();
  console.log(JSON.stringify({
    appends: N, appendPerSec: Math.round(N / (appendMs / 1000)), plainInsertPerSec: Math.round(N / (plainMs / 1000)),
    ratioAppendToPlainInsert: Math.round((plainMs / appendMs) * 100) / 100,
    entries: BIG, verifyMs: Math.round(verifyMs), verifyEntriesPerSec: Math.round(BIG / (verifyMs / 1000)),
    purged, purgeMs: Math.round(purgeMs), verifyAfterPurge: verifyAfter,
  }));
} finally { rmSync(dir, { recursive: true, force: true }); }
