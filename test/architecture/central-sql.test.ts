// Issue 17: nothing outside the index port runs SQL, the simulator's checks and the tests included:
// they read and write the central index through its owner modules (central-store/index/tables/,
// test/helpers/index-read.ts). The files below are the known exceptions, each with its reason; a new
// file that runs SQL either goes through an owner function or names its reason here.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = process.cwd();
const SCANNED = ['test', 'hardware-sim', 'tools'];

const ALLOWED = new Map<string, string>([
  ['test/architecture/central-sql.test.ts', 'this check (its samples)'],
  ['test/helpers/tamper.ts', 'attacks and faults on central.db, deliberately outside the port'],
  ['test/store/index-sqlite.test.ts', 'the sqlite implementation of the port, tested on its own connection'],
  ['test/store/legacy-central-db.ts', 'a central.db built by the pre-port SQL, verbatim'],
  ['test/store/index-contract.ts', 'the port\'s contract suite (SQL through a unit)'],
  ['test/store/index-contract-evidence.ts', 'the port\'s contract suite (SQL through a unit)'],
  ['test/store/contract/access-log.ts', 'the port\'s contract suite (triggers refused through a unit)'],
  ['test/bench/access-log.bench.ts', 'the bench\'s own baseline table, made by a migration, written in units'],
  ['test/inventory/checker.test.ts', 'a scratch sqlite file no program owns (the byte scanner\'s own test)'],
  ['test/clip/device-log.test.ts', 'the camera\'s device log (firmware-owned sqlite), tampered'],
  ['test/fleet/faults-flash-clock.test.ts', 'the camera\'s device log (firmware-owned sqlite), read'],
  ['hardware-sim/fleet/checks.ts', 'the camera\'s vault index (firmware-owned sqlite), read'],
]);

const SQL = '(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH|ANALYZE|VACUUM|BEGIN)\\b';
const RULES: [string, RegExp][] = [
  ['imports better-sqlite3', /from\s+['"]better-sqlite3['"]/],
  ['prepares a statement', /\.prepare\(/],
  ['sets a pragma', /\.pragma\(/],
  ['executes a SQL string', new RegExp(`\\.exec\\(\\s*['"\`]\\s*${SQL}`)],
  ['runs SQL through a unit', new RegExp(`\\.(?:all|get|run)(?:<[^>]*>)?\\(\\s*['"\`]\\s*${SQL}`)],
];

/** What of RULES a source text does. */
export const sqlIn = (src: string) => RULES.filter(([, re]) => re.test(src)).map(([what]) => what);

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

test('the check sees SQL run outside the port', (t) => {
  t.deepEqual(sqlIn("import Database from 'better-sqlite3';"), ['imports better-sqlite3']);
  t.deepEqual(sqlIn("central.db.prepare('SELECT COUNT(*) AS n FROM clips').get()"), ['prepares a statement']);
  t.deepEqual(sqlIn("db.exec(`DROP TRIGGER access_log_no_update`)"), ['executes a SQL string']);
  t.deepEqual(sqlIn("ix.tx((u) => u.get<{ n: number }>('SELECT COUNT(*) AS n FROM sessions'))"), ['runs SQL through a unit']);
  t.deepEqual(sqlIn("db.pragma('secure_delete = OFF')"), ['sets a pragma']);
  t.deepEqual(sqlIn("const m = /VmRSS:\\s+(\\d+)/.exec(text); await inIndex(db, (u) => getClip(u, id));"), []);
});

test('no test, simulator check or tool runs SQL outside the index port, beyond the reasons listed here', (t) => {
  const found = SCANNED.flatMap(tsFiles).map((f) => ({ f, what: sqlIn(readFileSync(path.join(ROOT, f), 'utf8')) })).filter((x) => x.what.length);
  const unexplained = found.filter((x) => !ALLOWED.has(x.f)).map((x) => `${x.f}: ${x.what.join(', ')}`);
  t.deepEqual(unexplained, [], 'go through the owner modules (central-store/index/tables/, test/helpers/index-read.ts) or name the reason in ALLOWED');
  // An exception that no longer runs SQL should leave the list; named, not failed (a file moved to the
  // owners by other work must not turn the suite red).
  const stale = [...ALLOWED.keys()].filter((f) => !found.some((x) => x.f === f));
  if (stale.length) t.log(`no SQL any more, remove from ALLOWED: ${stale.join(', ')}`);
});
