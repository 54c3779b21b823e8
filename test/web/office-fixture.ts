// One store with the web office on a free port, real clips (H.264 from ffmpeg, encrypted by the clip
// writer), one user per role, and one headless Debian Chromium driven by playwright-core. Started once
// per test file (test.before), stopped in test.after.always.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AccessLog } from '../../central-store/access-log.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { createApi } from '../../central-store/api.js';
import { insertClip } from '../../central-store/index/tables/clips.js';
import { addCameraMarkers } from '../../central-store/index/tables/markers.js';
import { hashFile } from '../../central-store/ingest-assembly.js';
import { Operations } from '../../central-store/operations.js';
import { DEADLINE_DEFAULTS } from '../../central-store/deadlines.js';
import { recordCensus } from '../../central-store/record-census.js';
import { signReceipt } from '../../central-store/storage-receipts.js';
import { Users } from '../../central-store/users.js';
import { DetectPool } from '../../central-store/redaction/detect-pool.js';
import { RedactionService } from '../../central-store/redaction/service.js';
import { testVideo } from '../redaction/helpers.js';
import { createOffice } from '../../central-store/web/office.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { createLogger } from '../../shared/log.js';
import { FAST_SCRYPT, PW } from '../store/helpers.js';
import { T0, addClip, epochAt, iso, makeStore, type Epoch, type Fixture } from '../store/store-helpers.js';

export const USERS = { officer: 'owen', viewer: 'vera', admin: 'root', auditor: 'aud', victim: 'lena' } as const;
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where the office tests save the README's screenshots. */
export const SHOTS = path.resolve('docs/screenshots');
export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** A form POST from inside the page, with the page's CSRF token (what a submit button sends). */
export const postForm = (page: Page, url: string, fields: Record<string, string>) => page.evaluate(async ([u, f]) => {
  const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
  const r = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, ...f }) });
  return { status: r.status, text: await r.text() };
}, [url, fields] as [string, Record<string, string>]);

/** H.264 test pictures as MPEG-TS, made by ffmpeg in memory; with `audio`, a 440 Hz tone as AAC, as a camera records sound. */
export function h264Ts(seconds: number, label: string, audio = false): Buffer {
  const sound = audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`] : [];
  const soundOut = audio ? ['-c:a', 'aac', '-b:a', '64k'] : [];
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`, ...sound,
    '-vf', `drawtext=text='${label}':x=20:y=20:fontsize=28:fontcolor=white:box=1:boxcolor=black@0.6`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', ...soundOut, '-f', 'mpegts', 'pipe:1'], { maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    // drawtext needs a font; without one, plain test pictures.
    const plain = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`, ...sound,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', ...soundOut, '-f', 'mpegts', 'pipe:1'], { maxBuffer: 64 << 20 });
    if (plain.status !== 0) throw new Error(`ffmpeg: ${plain.stderr.toString()}`);
    return plain.stdout;
  }
  return r.stdout;
}

/** A clip whose payload is real MPEG-TS, cut into ~1 s segments on 188-byte packet boundaries, stored and indexed as ingest does. */
export async function addVideoClip(f: Fixture, o: { epoch: Epoch; startedAt: number; deviceId: string; purpose: string; ts: Buffer; seconds: number; header?: Record<string, unknown> }): Promise<string> {
  const clipId = `clip-${randomUUID()}`;
  const tmp = path.join(f.blobs.workDir(), `${clipId}.tmp`);
  const w = await ClipWriter.create(tmp, { meta: { clipId, deviceId: o.deviceId, startedAt: iso(o.startedAt), purpose: o.purpose, ...o.header } as never, epochId: o.epoch.epochId, publicKey: o.epoch.publicKeyPem, sync: false });
  const per = Math.ceil(o.ts.length / 188 / o.seconds) * 188;
  for (let i = 0, at = 0; at < o.ts.length; i++, at += per) await w.appendSegment({ startMs: i * 1000, durationMs: 1000, keyframe: true, data: o.ts.subarray(at, at + per) });
  await w.finish({ stopReason: 'test' });
  const sha256 = await hashFile(tmp);
  const bytes = statSync(tmp).size;
  await f.blobs.putFile(clipId, tmp);
  const receipt = signReceipt(f.signing.privateKey, { clipId, deviceId: o.deviceId, sha256, bytes, storeId: 'store-t' });
  await SqliteIndex.for(f.db).tx((u) => insertClip(u, {
    clip_id: clipId, device_id: o.deviceId, dock_id: 'dock-1', bytes, sha256, epoch_id: o.epoch.epochId, clip_state: 'closed',
    started_at: iso(o.startedAt), stopped_at: iso(o.startedAt + o.seconds * 1000), received_at: iso(o.startedAt + 3600_000), blob_key: clipId,
    receipt_json: JSON.stringify(receipt), worker_id: 'test', purpose: o.purpose,
  }));
  return clipId;
}

export interface Office {
  base: string; f: Fixture; ops: Operations; log: AccessLog; users: Users; exportsDir: string;
  video: string; otherVideo: string; bulk: string[];
  /** With `redaction`: a short clip of a sample group photograph (faces), and the store's redaction service. */
  faces?: string;
  browser: Browser;
  page(o?: { locale?: string }): Promise<Page>;
  signIn(page: Page, username: string, password?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startOffice(opts: { redaction?: boolean } = {}): Promise<Office> {
  const teardowns: (() => unknown)[] = [];
  // A longer retention for police reports, so a category change visibly moves the deadline.
  // Packages go where the API and the store both look (a downloaded one is removed from there).
  const exportsDir = mkdtempSync(path.join(os.tmpdir(), 'office-exports-'));
  teardowns.push(() => rmSync(exportsDir, { recursive: true, force: true }));
  const f = await makeStore({ teardown: (fn) => void teardowns.push(fn) }, { retention: { perPurpose: { 'police-report': 30 } }, exportsDir });
  const e = await epochAt(f, T0);
  // What the camera's recorder puts in the header (firmware/recorder.ts), and sound, as a camera records it.
  const header = { prerecordSeconds: 2.04, prebufferAudio: false, audioKept: 'live-only', policyHash: 'c0ffee'.padEnd(64, '0') };
  const video = await addVideoClip(f, { epoch: e, startedAt: T0 + 9 * 3600_000, deviceId: 'cam-7', purpose: 'crime-prevention', ts: h264Ts(6, 'cam-7', true), seconds: 6, header });
  const otherVideo = await addVideoClip(f, { epoch: e, startedAt: T0 + 10 * 3600_000, deviceId: 'cam-8', purpose: 'staff-safety', ts: h264Ts(4, 'cam-8'), seconds: 4 });
  // The guard's short press 1.5 s into the clip, as ingest stores it from the signed clip (test/store/evidence-search.test.ts).
  await SqliteIndex.for(f.db).tx((u) => addCameraMarkers(u, video, [T0 + 9 * 3600_000 + 1500]));
  // 1.2 s (30 frames) of sample photo 1 panned: the detector costs ~100 ms a frame, so keep it short.
  const faces = opts.redaction ? await addVideoClip(f, { epoch: e, startedAt: T0 + 11 * 3600_000, deviceId: 'cam-9', purpose: 'crime-prevention', ts: await testVideo([1], 1.2), seconds: 1.2 }) : undefined;
  const bulk: string[] = [];
  for (let i = 0; i < 30; i++) bulk.push((await addClip(f, { epoch: e, startedAt: T0 + i * 60_000, deviceId: 'cam-bulk', segments: 1 })).clipId);

  // From here on the store's clock is the real one, like the sessions' and the log's.
  Object.defineProperty(f.clock, 'now', { get: () => Date.now() });
  const users = new Users(SqliteIndex.for(f.db), { scrypt: FAST_SCRYPT });
  const log = new AccessLog(SqliteIndex.for(f.db));
  // The record census of the store review, as the central-store entry wires it (store-context.ts).
  const census = () => recordCensus(SqliteIndex.for(f.db), path.join(f.dir, 'receipts.db'), { retention: { defaultDays: 14, perPurpose: { 'police-report': 30 }, staleEpochDays: 30 }, deadlines: DEADLINE_DEFAULTS, accessLogMonths: 6 }, Date.now());
  let pool: Promise<DetectPool> | undefined;
  teardowns.push(async () => (await pool)?.close());
  const redaction = opts.redaction ? new RedactionService({ index: SqliteIndex.for(f.db), evidence: async () => f.store, pool: () => pool ??= DetectPool.open({ minScore: 0.3 }) }) : undefined;
  const ops = new Operations({ db: f.db, users, log, evidence: async () => f.store, census, ...(redaction ? { redaction: async () => redaction } : {}) });
  await ops.bootstrapAdmin(USERS.admin, PW);
  const roles = { [USERS.officer]: 'evidence-officer', [USERS.viewer]: 'viewer', [USERS.auditor]: 'auditor', [USERS.victim]: 'evidence-officer' };
  for (const [username, role] of Object.entries(roles)) await ops.createUser(USERS.admin, { username, role, password: PW });

  // Throttling is the login guard's own test; here it starts late so the lockout after 5 is reached at once.
  const api = createApi({ ops, exportsDir, log: createLogger('api', 'silent'), login: { freeFailures: 50 }, office: createOffice({ ops, users, log, logger: createLogger('office', 'silent') }) });
  const port = await api.listen(0);
  teardowns.push(() => api.close());
  const base = `http://127.0.0.1:${port}`;

  // playwright-core gives the browser a fresh temporary --user-data-dir of its own (and removes it).
  const browser = await chromium.launch({ headless: true, executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  teardowns.push(() => browser.close());

  return {
    base, f, ops, log, users, exportsDir, video, otherVideo, bulk, faces, browser,
    async page(o = {}) {
      // Each caller gets its own cookie jar: a fresh context on the same browser.
      const ctx = await browser.newContext({ locale: o.locale ?? 'en-GB', viewport: { width: 1280, height: 860 } });
      return ctx.newPage();
    },
    async signIn(page, username, password = PW) {
      await page.goto(`${base}/office/login`);
      await page.fill('#username', username);
      await page.fill('#password', password);
      await Promise.all([page.waitForLoadState('load'), page.click('#signin')]);
    },
    async close() { for (const fn of teardowns.reverse()) { try { await fn(); } catch { /* best effort */ } } },
  };
}
