// Issue 12, store half, against the real server process (central-store/main.ts, production scrypt
// N=2^15) with clients on distinct loopback addresses (127.0.x.y) as distinct sources:
// - unknown name, wrong password, locked and disabled accounts all get the same answer;
// - an anonymous client that locks every administrator no longer leaves the store without a way in:
//   break-glass unlock on the host with the master key (logged);
// - a source's failures bring growing delays, refused before any password is checked;
// - a login flood is refused quickly (429/503) and a real user still gets in during it.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AccessLog } from '../../central-store/access-log.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { parseStoreConfig } from '../../central-store/config.js';
import { openCentralDb } from '../../central-store/db.js';
import { openStoreContext } from '../../central-store/store-context.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { bodycam } from './cli-helpers.js';
import { PW } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'store-abuse-'));
const keyFile = path.join(dir, 'master.key');
const cfgFile = path.join(dir, 'store.json');
const LOGIN = { freeFailures: 3, baseDelayMs: 1500, maxDelayMs: 6000, perSourceInFlight: 2, maxConcurrent: 2, maxQueued: 32, queueTimeoutMs: 5000 };
let server: ChildProcess;
let port = 0;
let stopBroker: () => Promise<void> | void = () => undefined;

test.before(async () => {
  const b = await startMosquitto();
  stopBroker = () => b.stop();
  writeFileSync(keyFile, randomBytes(32));
  const cfg = { storeId: 'store-abuse', dataDir: 'data', mqtt: { url: b.url, tls: b.files('central-1', 'central') }, api: { port: 0, login: LOGIN }, epochDaysAhead: 1 };
  writeFileSync(cfgFile, JSON.stringify(cfg));
  // Users made with the production scrypt parameters (the default), as a real store has them.
  const ctx = await openStoreContext(parseStoreConfig({ ...cfg, dataDir: path.join(dir, 'data') }), { masterKey: async () => readFileSync(keyFile) });
  await ctx.ops.bootstrapAdmin('root', PW);
  for (const [name, role] of [['root2', 'administrator'], ['owen', 'evidence-officer'], ['vera', 'viewer'], ['dora', 'viewer']]) await ctx.ops.createUser('root', { username: name, role, password: PW });
  await ctx.ops.disable('root', 'dora', { reason: 'left' });
  await ctx.close();
  server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), cfgFile], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', BODYCAM_MASTER_KEY_FILE: keyFile }, stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', (l) => resolve(JSON.parse(l).port));
    server.once('close', (c) => reject(new Error(`server exited ${c}`)));
  });
});
test.after.always(async () => {
  server?.kill('SIGTERM');
  await stopBroker();
  rmSync(dir, { recursive: true, force: true });
});

interface Res { status: number; body: any; text: string; retryAfter: string | undefined; ms: number }
const agent = new http.Agent({ keepAlive: false });
/** POST /login from the loopback address `src` (each address is its own source to the server). */
function login(src: string, username: string, password: string): Promise<Res> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/login', method: 'POST', localAddress: src, agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let body: any; try { body = JSON.parse(text); } catch { body = text; }
        resolve({ status: res.statusCode!, body, text, retryAfter: res.headers['retry-after'] as string | undefined, ms: performance.now() - started });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ username, password }));
  });
}
let next = 10;
/** A fresh source address, so the per-source throttle stays out of a test about something else. */
const fresh = () => { next++; return `127.0.${2 + (next >> 8)}.${next & 255 || 1}`; };
const entries = async () => { const db = openCentralDb(path.join(dir, 'data', 'central.db')); try { return await new AccessLog(SqliteIndex.for(db)).entries(); } finally { db.close(); } };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

test.serial('unknown name, wrong password, the failure that locks, a locked and a disabled account: one answer; the right password learns locked/disabled', async (t) => {
  const answers: Record<string, Res[]> = { unknown: [], wrong: [], locking: [], locked: [], disabled: [] };
  for (let i = 0; i < 3; i++) answers.unknown.push(await login(fresh(), `nobody${i}`, 'a wrong password'));
  for (let i = 0; i < 4; i++) answers.wrong.push(await login(fresh(), 'owen', 'a wrong password'));
  answers.locking.push(await login(fresh(), 'owen', 'a wrong password')); // the 5th: owen is now locked
  for (let i = 0; i < 3; i++) answers.locked.push(await login(fresh(), 'owen', 'a wrong password'));
  for (let i = 0; i < 3; i++) answers.disabled.push(await login(fresh(), 'dora', 'a wrong password'));
  const want = answers.unknown[0];
  t.is(want.status, 401);
  t.deepEqual(want.body, { error: 'unauthenticated', message: 'wrong username or password' });
  for (const [kind, rs] of Object.entries(answers)) for (const r of rs) t.is(`${r.status} ${r.text}`, `${want.status} ${want.text}`, kind);
  t.log('median ms:', Object.fromEntries(Object.entries(answers).map(([k, rs]) => [k, Math.round(median(rs.map((r) => r.ms)))])));
  // Whoever proves the password is told the truth.
  const locked = await login(fresh(), 'owen', PW);
  t.is(locked.status, 423); t.is(locked.body.error, 'locked');
  const disabled = await login(fresh(), 'dora', PW);
  t.is(disabled.status, 403); t.is(disabled.body.error, 'disabled');
  // The log keeps the truth for the auditor.
  const reasons = (await entries()).filter((e) => e.action === 'login-failure').map((e) => `${e.user}: ${e.reason}`);
  t.true(reasons.includes('owen: account locked (locked by this failure, wrong password)'), reasons.join('\n'));
  t.true(reasons.includes('owen: account locked (wrong password)'));
  t.true(reasons.includes('owen: account locked (right password)'));
  t.true(reasons.includes('dora: account disabled (wrong password)'));
});

test.serial('every administrator locked by an anonymous client: admin unlock and bootstrap cannot help; break-glass with the master key does, logged', async (t) => {
  // Ten requests from ten addresses lock both administrators (throttling is per source).
  for (const admin of ['root', 'root2']) for (let i = 0; i < 5; i++) t.is((await login(fresh(), admin, 'guess guess guess')).status, 401);
  t.is((await login(fresh(), 'root', PW)).status, 423);
  t.is((await login(fresh(), 'root2', PW)).status, 423);
  const cli = (args: string[], env: Record<string, string> = {}) => bodycam([...args, '--config', cfgFile], { env: { BODYCAM_PASSWORD: PW, BODYCAM_MASTER_KEY_FILE: '', ...env } });
  const viaAdmin = await cli(['user', 'unlock', 'root', '--user', 'root2']);
  t.is(viaAdmin.code, 1); t.regex(viaAdmin.stderr, /account locked/);
  const boot = await cli(['bootstrap-admin', 'root3']);
  t.is(boot.code, 1); t.regex(boot.stderr, /an administrator already exists/);

  // Break-glass: refused without a reason (usage), with no key, and with the wrong key; nothing unlocked.
  t.is((await cli(['break-glass', 'unlock', 'root'], { BODYCAM_MASTER_KEY_FILE: keyFile })).code, 2);
  const noKey = await cli(['break-glass', 'unlock', 'root', '--reason', 'all admins locked'], { BODYCAM_MASTER_PASSPHRASE: '' });
  t.is(noKey.code, 1); t.regex(noKey.stderr, /master key: none given/);
  const otherKey = path.join(dir, 'other.key');
  writeFileSync(otherKey, randomBytes(32));
  const wrongKey = await cli(['break-glass', 'unlock', 'root', '--reason', 'all admins locked', '--master-key-file', otherKey]);
  t.is(wrongKey.code, 1); t.regex(wrongKey.stderr, /master key given does not open this store/);
  t.is((await login(fresh(), 'root', PW)).status, 423);

  const ok = await cli(['break-glass', 'unlock', 'root', '--reason', 'INC-42: all admins locked by a guessing client'], { BODYCAM_MASTER_KEY_FILE: keyFile });
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.json.unlocked, 'root'); t.is(ok.json.by, 'break-glass');
  // The running server lets root in; root unlocks the other administrator over HTTP as usual.
  const r = await login(fresh(), 'root', PW);
  t.is(r.status, 200, r.text);
  const u = await fetch(`http://127.0.0.1:${port}/users/root2/unlock`, { method: 'POST', headers: { authorization: `Bearer ${r.body.token}` } });
  t.is(u.status, 200);
  t.is((await login(fresh(), 'root2', PW)).status, 200);

  const bg = (await entries()).filter((e) => e.user === 'break-glass');
  t.deepEqual(bg.map((e) => `${e.action}:${e.outcome}`), ['user-unlock:denied', 'user-unlock:denied', 'user-unlock:ok']);
  t.regex(bg[2].criterion, /"username":"root".*"operator":".*uid \d+.*"reason":"INC-42: all admins locked by a guessing client"/);
  t.regex(bg[1].reason!, /does not open this store/);
  const db = openCentralDb(path.join(dir, 'data', 'central.db'));
  t.true((await new AccessLog(SqliteIndex.for(db)).verify()).ok);
  db.close();
  // There is no HTTP way to do it.
  t.is((await fetch(`http://127.0.0.1:${port}/break-glass`, { method: 'POST' })).status, 404);
});

test.serial('one source: growing delays after 3 failures, refused before the password is checked (even the right one), logged', async (t) => {
  const src = fresh();
  const name = 'nobody-delay';
  const checked = async () => (await entries()).filter((e) => e.action === 'login-failure' && e.user === name).length;
  for (let i = 0; i < 3; i++) t.is((await login(src, name, 'guess guess guess')).status, 401);
  const first = await login(src, name, 'guess guess guess');
  t.is(first.status, 429); t.is(first.body.error, 'throttled');
  t.true(first.body.retryAfterMs > 0 && first.body.retryAfterMs <= LOGIN.baseDelayMs, String(first.body.retryAfterMs));
  t.is(first.retryAfter, '2');
  // A real user behind the same address waits too: nothing is checked during the delay.
  t.is((await login(src, 'vera', PW)).status, 429);
  t.is(await checked(), 3);
  await new Promise((r) => setTimeout(r, first.body.retryAfterMs + 50));
  t.is((await login(src, name, 'guess guess guess')).status, 401);
  const second = await login(src, name, 'guess guess guess');
  t.is(second.status, 429);
  t.true(second.body.retryAfterMs > LOGIN.baseDelayMs, `doubled: ${second.body.retryAfterMs}`);
  t.is(await checked(), 4);
  const throttle = (await entries()).filter((e) => e.action === 'login-throttle' && e.criterion.includes(`"source":"${src}"`));
  t.deepEqual(throttle.map((e) => JSON.parse(e.criterion).delayMs), [1500, 3000]);
  t.true((await entries()).some((e) => e.action === 'login-refused'));
});

test.serial('login flood: 40 at once from one source cost at most 2 checks; a flood from 24 sources is shed with 503/429 and a real user still gets in during it', async (t) => {
  const burstStart = performance.now();
  const burst = await Promise.all(Array.from({ length: 40 }, () => login('127.0.1.1', 'nobody-flood', 'guess guess guess')));
  const burstMs = performance.now() - burstStart;
  const counts = (rs: Res[]) => rs.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
  const c1 = counts(burst);
  t.true((c1[401] ?? 0) <= LOGIN.perSourceInFlight, JSON.stringify(c1));
  t.is((c1[429] ?? 0) + (c1[401] ?? 0), 40, JSON.stringify(c1));
  t.log(`40 concurrent bad logins from one source answered in ${Math.round(burstMs)} ms:`, c1);

  // Sustained flood from 24 sources, 2 connections each, resending 10 ms after each answer whatever it is
  // (48 always pending > 2 running + 32 queued).
  let stop = false;
  const seen: Res[] = [];
  const flooder = async (src: string) => {
    while (!stop) { seen.push(await login(src, 'nobody-flood', 'guess guess guess')); await new Promise((r) => setTimeout(r, 10)); }
  };
  const flood = Array.from({ length: 24 }, (_, i) => `127.0.1.${10 + i}`).flatMap((s) => [flooder(s), flooder(s)]);
  await new Promise((r) => setTimeout(r, 300));
  const tries: number[] = [];
  let ok: Res | undefined;
  const realStart = performance.now();
  for (let i = 0; i < 30 && !ok; i++) {
    const r = await login('127.0.0.250', 'vera', PW);
    tries.push(r.status);
    if (r.status === 200) ok = r;
    else { t.true(r.status === 503 || r.status === 429, `${r.status} ${r.text}`); await new Promise((res) => setTimeout(res, r.body.retryAfterMs ?? 1000)); }
  }
  const realMs = performance.now() - realStart;
  const during = seen.length;
  stop = true;
  await Promise.all(flood);
  const c2 = counts(seen);
  t.log(`real user in after ${Math.round(realMs)} ms, tries ${tries.join(',')}; flood answers while it waited: ${during}`, c2);
  t.truthy(ok, `real user never got in: ${tries.join(',')}`);
  t.true((c2[503] ?? 0) > 0, `queue bound reached: ${JSON.stringify(c2)}`);
  t.true(Object.keys(c2).every((s) => ['401', '429', '503'].includes(s)), JSON.stringify(c2));
});
