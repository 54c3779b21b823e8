// Store login under attack (issue 12), production scrypt (N=2^15), clients on distinct loopback
// addresses: (1) response time for an unknown name, a wrong password, a locked and a disabled account
// (interleaved rounds; the spread should be noise); (2) 40 concurrent bad logins from one source plus
// one real user from another, with the login guard (defaults) vs without it (limits out of reach,
// the baseline, same run): how long the flood takes to answer and how long the real user waits.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { AccessLog } from '../../central-store/access-log.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import { createApi } from '../../central-store/api.js';
import { openCentralDb } from '../../central-store/db.js';
import { Operations } from '../../central-store/operations.js';
import { Users } from '../../central-store/users.js';
import { createLogger } from '../../shared/log.js';

const PW = 'correct horse battery';
const ROUNDS = Number(process.env.LOGIN_BENCH_ROUNDS ?? 8);
const dir = mkdtempSync(path.join(os.tmpdir(), 'login-bench-'));

function login(port: number, src: string, username: string, password: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/login', method: 'POST', localAddress: src, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ username, password }));
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let n = 0;
const fresh = () => { n++; return `127.0.${2 + (n >> 8)}.${(n & 255) || 1}`; };

async function server(guardOff: boolean) {
  const db = openCentralDb(path.join(dir, `central-${n++}.db`));
  const ix = SqliteIndex.for(db);
  await ix.migrate(MIGRATIONS);
  const users = new Users(ix);
  const ops = new Operations({ db, users, log: new AccessLog(ix), evidence: async () => { throw new Error('no evidence in this bench'); } });
  await ops.bootstrapAdmin('root', PW);
  for (const u of ['ann', 'lou', 'dee']) await ops.createUser('root', { username: u, role: 'viewer', password: PW });
  await ops.disable('root', 'dee', { reason: 'left' });
  const login = guardOff ? { freeFailures: 100, perSourceInFlight: 64, maxConcurrent: 64, maxQueued: 1000, queueTimeoutMs: 600_000 } : {};
  const api = createApi({ ops, exportsDir: dir, log: createLogger('api', 'silent'), login });
  return { api, db, users, port: await api.listen(0) };
}

try {
  // (1) One answer, similar time.
  const s = await server(false);
  for (let i = 0; i < 5; i++) await login(s.port, fresh(), 'lou', 'wrong password!'); // lou is locked now
  const kinds: Record<string, [string, string]> = { unknown: ['nobody', 'wrong password!'], wrong: ['ann', 'wrong password!'], locked: ['lou', 'wrong password!'], disabled: ['dee', 'wrong password!'] };
  const times: Record<string, number[]> = { unknown: [], wrong: [], locked: [], disabled: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, [u, p]] of Object.entries(kinds)) {
      const res = await login(s.port, fresh(), u, p);
      if (res.status !== 401) throw new Error(`${k}: ${res.status}`);
      times[k].push(res.ms);
    }
    s.users.unlock('root', 'ann'); // keep ann below the lockout
  }
  const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 10) / 10]));
  const vals = Object.values(med);
  await s.api.close(); s.db.close();

  // (2) Flood from one source + one real user, guard on vs off.
  const flood = async (guardOff: boolean) => {
    const f = await server(guardOff);
    const t0 = performance.now();
    const bad = Array.from({ length: 40 }, () => login(f.port, '127.0.1.1', 'nobody', 'guess guess guess'));
    const real = await login(f.port, '127.0.1.2', 'ann', PW);
    const all = await Promise.all(bad);
    const floodMs = performance.now() - t0;
    await f.api.close(); f.db.close();
    return { floodAnsweredMs: Math.round(floodMs), realUserMs: Math.round(real.ms), realUserStatus: real.status, checked: all.filter((r) => r.status === 401).length, refused429: all.filter((r) => r.status === 429).length };
  };
  const off = await flood(true);
  const on = await flood(false);
  console.log(JSON.stringify({
    scrypt: 'N=2^15 r=8 p=1', rounds: ROUNDS, medianMs: med, spreadMaxOverMin: Math.round((Math.max(...vals) / Math.min(...vals)) * 100) / 100,
    floodWithoutGuard: off, floodWithGuard: on,
    ratioFloodAnsweredOffOverOn: Math.round((off.floodAnsweredMs / on.floodAnsweredMs) * 10) / 10,
    ratioRealUserWaitOffOverOn: Math.round((off.realUserMs / on.realUserMs) * 10) / 10,
  }));
} finally { rmSync(dir, { recursive: true, force: true }); }
