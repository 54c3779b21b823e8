// The office's search page over N indexed clips (default 100 000): p50/p95 of the whole request (session,
// Operations.search with its access-log entry, SQL, HTML) for a mix of criteria, sorts and deep pages,
// against two baselines in the same run: the same server answering a static asset (HTTP floor) and
// the bare newest-first page from the clips owner (searchClips through the port: no session, log or HTML). Flags: --clips N (100000), --rounds R (20).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AccessLog } from '../../central-store/access-log.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { createApi } from '../../central-store/api.js';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import { addToCase } from '../../central-store/index/tables/cases.js';
import { insertClip, searchClips } from '../../central-store/index/tables/clips.js';
import { refreshStatistics } from '../../central-store/index/tables/catalog.js';
import { openCentralDb } from '../../central-store/db.js';
import { EvidenceStore } from '../../central-store/evidence.js';
import { addCameraMarkers } from '../../central-store/index/tables/markers.js';
import { Operations } from '../../central-store/operations.js';
import { signReceipt } from '../../central-store/storage-receipts.js';
import { Users } from '../../central-store/users.js';
import { createOffice } from '../../central-store/web/office.js';
import { createLogger } from '../../shared/log.js';
import { FAST_SCRYPT, PW } from '../store/helpers.js';
import { arg, r2 } from './mqtt-bench-lib.js';

const N = arg('clips', 100_000);
const ROUNDS = arg('rounds', 20);
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const PURPOSES = ['crime-prevention', 'work-environment', 'police-report', 'accusation'];

const dir = await mkdtemp(path.join(os.tmpdir(), 'office-search-bench-'));
const silent = (n: string) => createLogger(n, 'silent');
try {
  const db = openCentralDb(path.join(dir, 'central.db'));
  const blobs = await FsBlobStore.open(path.join(dir, 'store'));
  const signing = generateKeyPairSync('ed25519');
  const store = await EvidenceStore.open({ dir: path.join(dir, 'evidence'), db, blobs, masterKey: Buffer.alloc(32, 3), signingKey: signing.privateKey, storeId: 's', log: silent('e') });
  const receipt = JSON.stringify(signReceipt(signing.privateKey, { clipId: 'x', deviceId: 'cam-1', sha256: '0'.repeat(64), bytes: 1, storeId: 's' }));
  process.stderr.write(`office-search bench: indexing ${N} clips\n`);
  const marked: [string, number][] = []; const cased: [string, string][] = [];
  await SqliteIndex.for(db).tx(async (u) => {
    for (let i = 0; i < N; i++) {
      // 60 cameras over 30 days, 4 purposes; 1 % with a marker, 0.5 % on hold, 0.2 % in one of 20 cases.
      const start = T0 + Math.floor(i * (30 * 86_400_000 / N));
      const clipId = `clip-${i.toString().padStart(6, '0')}`;
      await insertClip(u, {
        clip_id: clipId, device_id: `cam-${i % 60}`, dock_id: `dock-${i % 6}`, bytes: 1_000_000, sha256: '0'.repeat(64), epoch_id: 'e',
        clip_state: i % 97 ? 'closed' : 'truncated', started_at: new Date(start).toISOString(), stopped_at: new Date(start + 90_000).toISOString(),
        received_at: new Date(start + 8 * 3600_000).toISOString(), blob_key: clipId, receipt_json: receipt, worker_id: 'w', purpose: PURPOSES[i % 4],
      });
      if (i % 100 === 7) marked.push([clipId, start + 30_000]);
      if (i % 500 === 3) cased.push([clipId, `K-${i % 20}`]);
    }
  });
  await SqliteIndex.for(db).tx(async (u) => {
    for (const [clipId, at] of marked) await addCameraMarkers(u, clipId, [at]);
    for (const [clipId, caseNumber] of cased) await addToCase(u, { caseNumber, clipId, by: 'bench' });
  });
  for (let i = 11; i < N; i += 200) await store.placeHold(`clip-${i.toString().padStart(6, '0')}`, { reason: 'bench', caseNumber: `H-${i % 7}`, by: 'bench' });
  await SqliteIndex.for(db).tx(refreshStatistics);

  const users = new Users(SqliteIndex.for(db), { scrypt: FAST_SCRYPT });
  const log = new AccessLog(SqliteIndex.for(db));
  const ops = new Operations({ db, users, log, evidence: async () => store });
  await ops.bootstrapAdmin('root', PW);
  await ops.createUser('root', { username: 'owen', role: 'evidence-officer', password: PW });
  const api = createApi({ ops, exportsDir: dir, log: silent('api'), office: createOffice({ ops, users, log, logger: silent('office') }) });
  const base = `http://127.0.0.1:${await api.listen(0)}`;
  try {
    // Sign in as a browser does: the pre-session cookie and its token, then the session cookie.
    const first = await fetch(`${base}/office/login`);
    const pre = /office_pre=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')![1]!;
    const login = await fetch(`${base}/office/login`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: pre, username: 'owen', password: PW }),
      headers: { cookie: `office_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded', origin: base },
    });
    const sid = /office_sid=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
    const get = async (p: string): Promise<number> => {
      const t0 = performance.now();
      const r = await fetch(`${base}${p}`, { headers: { cookie: `office_sid=${sid}` } });
      const body = await r.text();
      if (r.status !== 200 || body.length < 100) throw new Error(`${p}: ${r.status}`);
      return performance.now() - t0;
    };
    const lastPage = Math.floor(N / 25);
    const queries: Record<string, string> = {
      newest: '/office/search',
      deepPage: `/office/search?page=${Math.floor(lastPage / 2)}`,
      lastPage: `/office/search?page=${lastPage}`,
      camera: '/office/search?deviceId=cam-17',
      cameraDay: '/office/search?deviceId=cam-17&from=2026-03-10T00:00&to=2026-03-11T00:00',
      day: '/office/search?from=2026-03-10T00:00&to=2026-03-11T00:00&page=3',
      purpose: '/office/search?purpose=police-report&page=40',
      sortCamera: '/office/search?sort=camera&order=asc&page=100',
      sortReceived: '/office/search?sort=received&order=asc&page=10',
      onHold: '/office/search?onHold=true',
      marker: '/office/search?hasMarker=true&page=2',
      caseNumber: '/office/search?caseNumber=K-3',
    };
    const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!; };
    for (const q of Object.values(queries)) await get(q); // warm
    const per: Record<string, { p50: number; p95: number }> = {};
    const all: number[] = [];
    for (const [name, q] of Object.entries(queries)) {
      const xs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) xs.push(await get(q));
      all.push(...xs);
      per[name] = { p50: r2(pct(xs, 0.5)), p95: r2(pct(xs, 0.95)) };
    }
    const http: number[] = [];
    for (let i = 0; i < ROUNDS * 5; i++) http.push(await get('/office/static/office.css'));
    const sql: number[] = [];
    for (let i = 0; i < ROUNDS * 5; i++) { const t0 = performance.now(); await SqliteIndex.for(db).tx((u) => searchClips(u, { limit: 26, offset: 0 })); sql.push(performance.now() - t0); }
    const p95 = pct(all, 0.95);
    process.stdout.write(`${JSON.stringify({
      clips: N, rounds: ROUNDS, searchPageMs: { p50: r2(pct(all, 0.5)), p95: r2(p95) }, perQuery: per,
      baselineStaticHttpMs: { p95: r2(pct(http, 0.95)) }, baselineBarePortQueryMs: { p95: r2(pct(sql, 0.95)) },
      ratioP95VsStaticHttp: r2(p95 / pct(http, 0.95)),
    })}\n`);
  } finally {
    await api.close();
    store.close();
    db.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
