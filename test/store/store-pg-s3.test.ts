// The whole central store on PostgreSQL + S3 Object Lock (the test run's PostgreSQL and Ceph RGW):
// the real server process (central-store/main.ts) started from a config naming both, real clips
// uploaded by the real dock uploader through mosquitto, then used through the HTTP API only: search,
// play, export, each object's retain-until its clip's deadline (moved by a category change), hold (an
// S3 legal hold, checked through the S3 API directly), retention (the held clip
// survives, an unheld expired one is deleted with a receipt listing what S3 really did), the access
// log verifies. Retention runs on a second node over the same PostgreSQL, S3 and key directory whose
// clock is 15 days on (a clip cannot expire in a test's real time); its receipt is listed by the first.
// Then the index is read from PostgreSQL through the port: the records are there.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DeleteObjectCommand, GetObjectLegalHoldCommand, GetObjectRetentionCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { S3BlobStore } from '../../central-store/blob/s3.js';
import { createApi } from '../../central-store/api.js';
import { parseStoreConfig, storePaths } from '../../central-store/config.js';
import { verifyDeletionReceipt, type DeletionReceipt } from '../../central-store/evidence.js';
import { PgIndex } from '../../central-store/index/pg.js';
import { allClips } from '../../central-store/index/tables/clips.js';
import { openStoreContext } from '../../central-store/store-context.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { openDocument, type ReceiptBody } from '../../shared/evidence.js';
import { apiClient } from '../../hardware-sim/office-tools.js';
import { testPostgres, testS3 } from '../helpers/backends/index.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { buildSignedClip, dockAuthFor, testEpoch } from '../helpers/pki.js';
import { quiet } from '../mqtt/setup.js';
import { PW } from './helpers.js';

const DAY = 86_400_000;
const ROOT = path.resolve(import.meta.dirname, '../..');
const [pgServer, s3] = await Promise.all([testPostgres(), testS3()]);

if (!pgServer.ok || !s3.ok) test.skip(`store on PostgreSQL + S3 skipped: ${[!pgServer.ok && pgServer.reason, !s3.ok && s3.reason].filter(Boolean).join('; ')}`, () => undefined);
else {
  const target = s3.value;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'store-pg-s3-'));
  const dbName = `e2e_${process.pid}_${Date.now().toString(36)}`;
  const bucket = `e2e-${process.pid}-${Date.now().toString(36)}`;
  const dbUrl = (() => { const u = new URL(pgServer.value); u.pathname = `/${dbName}`; return u.toString(); })();
  const admin = async (sql: string) => { const c = new pg.Client({ connectionString: pgServer.value }); await c.connect(); try { await c.query(sql); } finally { await c.end(); } };
  let broker: Mosquitto;
  let server: ChildProcess | undefined;
  let svc: S3Client;
  let port = 0;
  let storeKey = '';
  let config: ReturnType<typeof parseStoreConfig>;
  const masterKey = async () => readFileSync(path.join(dir, 'master.key'));
  const closers: (() => Promise<unknown> | unknown)[] = [];

  test.before(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    broker = await startMosquitto();
    svc = S3BlobStore.client({ endpoint: target.endpoint, region: target.region, credentials: target.service });
    writeFileSync(path.join(dir, 'master.key'), randomBytes(32));
    writeFileSync(path.join(dir, 's3.json'), JSON.stringify({ accessKeyId: target.service.accessKeyId, secretAccessKey: target.service.secretAccessKey }));
    const cfg = {
      storeId: 'store-pg-s3', retention: { defaultDays: 14, perPurpose: { 'police-report': 30 } }, dataDir: path.join(dir, 'data'), mqtt: { url: broker.url, tls: broker.files('central-1', 'central') }, api: { port: 0 }, epochDaysAhead: 1,
      index: { backend: 'postgres', postgres: { url: dbUrl } },
      blobs: { backend: 's3', s3: { endpoint: target.endpoint, region: target.region, bucket, credentialsFile: path.join(dir, 's3.json'), forcePathStyle: true, createBucket: true } },
    };
    writeFileSync(path.join(dir, 'store.json'), JSON.stringify(cfg));
    // People and the cameras' epoch key, set up the way an operator does before the first start.
    config = parseStoreConfig(cfg);
    const ctx = await openStoreContext(config, { masterKey });
    try {
      await ctx.ops.bootstrapAdmin('root', PW);
      await ctx.ops.createUser('root', { username: 'owen', role: 'evidence-officer', password: PW });
      await ctx.ops.createUser('root', { username: 'audrey', role: 'auditor', password: PW });
      await (await ctx.evidence()).keys.importEpoch({ epochId: 'epoch-1', privateKey: testEpoch().privateKey,
        notBefore: new Date(Date.now() - 30 * DAY).toISOString(), notAfter: new Date(Date.now() + 2 * DAY).toISOString() });
    } finally { await ctx.close(); }
    server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), path.join(dir, 'store.json')], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', BODYCAM_MASTER_KEY_FILE: path.join(dir, 'master.key') }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ready = await new Promise<{ port: number; publicKey: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('central-store not ready within 60 s')), 60_000);
      createInterface({ input: server!.stdout! }).once('line', (l) => { clearTimeout(timer); resolve(JSON.parse(l)); });
      server!.once('close', (c) => { clearTimeout(timer); reject(new Error(`central-store exited ${c} before it was ready`)); });
    });
    port = ready.port;
    storeKey = readFileSync(ready.publicKey, 'utf8');
  });

  test.after.always(async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('close', r));
      server.kill('SIGTERM');
      await exited;
    }
    svc?.destroy();
    await broker?.stop();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const versions = async (key: string) => {
    const r = await svc.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    return [...r.Versions ?? [], ...r.DeleteMarkers ?? []].filter((v) => v.Key === key).map((v) => v.VersionId!);
  };

  test('ingest over mosquitto, search, play, export, hold (S3 legal hold), retention with an S3 receipt, the access log verifies', async (t) => {
    const { must, login } = apiClient(`http://127.0.0.1:${port}`);
    const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: storeKey, chunkSize: 64 * 1024, statusTimeoutMs: 2000, log: quiet('dock') });
    closers.push(() => up.close());
    const spool = (name: string, data: Buffer) => { const p = path.join(dir, name); writeFileSync(p, data); return p; };
    // 200 000 payload bytes in 64 KiB records: the clip plays back as exactly that many bytes. It is
    // kept 30 days (its purpose); the other two 14 (the default).
    const fresh = buildSignedClip(200_000, { purpose: 'police-report' });
    const oldHeld = buildSignedClip(100_000);
    const oldFree = buildSignedClip(100_000);
    for (const c of [fresh, oldHeld, oldFree]) {
      const receipt = await up.upload(c.clip, spool(`${c.clip.clipId}.clip`, c.data));
      t.like(openDocument<ReceiptBody>(receipt, createPublicKey(storeKey), 'clip-receipt'), { clipId: c.clip.clipId, sha256: c.clip.sha256, storeId: 'store-pg-s3' });
      t.is((await versions(c.clip.clipId)).length, 1, 'one S3 version per clip');
    }

    const owen = await login('owen', PW);
    const found = (await must('GET', '/clips?deviceId=cam-1', { token: owen })).json.clips as { clipId: string }[];
    t.deepEqual(found.map((c) => c.clipId).sort(), [fresh, oldHeld, oldFree].map((c) => c.clip.clipId).sort());
    const video = (await must('GET', `/clips/${fresh.clip.clipId}/video`, { token: owen })).bytes;
    t.is(video.length, 200_000, 'the clip plays back whole from S3');
    const ex = (await must('POST', '/exports', { token: owen, body: { clipIds: [fresh.clip.clipId], journalNumber: 'POL-1', recipient: 'Police' } })).json as { path: string; sha256: string; clips: string[] };
    t.deepEqual(ex.clips, [fresh.clip.clipId]);
    t.is(createHash('sha256').update(readFileSync(ex.path)).digest('hex'), ex.sha256);

    // Each object's retain-until is its clip's deadline, read through the S3 API; a category with a longer
    // retention moves it later.
    const retainUntil = async (id: string) => (await svc.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: id }))).Retention!;
    const deadline = async (id: string) => Date.parse((await must('GET', `/clips/${id}`, { token: owen })).json.deleteAfter as string);
    for (const [c, days] of [[fresh, 30], [oldHeld, 14], [oldFree, 14]] as const) {
      const r = await retainUntil(c.clip.clipId);
      t.is(r.Mode, 'GOVERNANCE');
      t.true(Math.abs(r.RetainUntilDate!.getTime() - await deadline(c.clip.clipId)) < 1000, `${c.clip.clipId}: retain-until ${r.RetainUntilDate!.toISOString()} is its deadline`);
      t.true(Math.abs(r.RetainUntilDate!.getTime() - (Date.parse(c.clip.startedAt) + days * DAY)) < 1000, `${days} days from the recording start`);
    }
    await must('POST', `/clips/${oldHeld.clip.clipId}/category`, { token: owen, body: { purpose: 'police-report', reason: 'reported to the police' } });
    t.true(Math.abs((await retainUntil(oldHeld.clip.clipId)).RetainUntilDate!.getTime() - (Date.parse(oldHeld.clip.startedAt) + 30 * DAY)) < 1000, 'moved to the 30-day deadline');

    await must('POST', `/clips/${oldHeld.clip.clipId}/hold`, { token: owen, body: { reason: 'complaint', caseNumber: 'K-17' } });
    t.is((await svc.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: oldHeld.clip.clipId }))).LegalHold?.Status, 'ON');
    const [heldVersion] = await versions(oldHeld.clip.clipId);
    const refused = await t.throwsAsync(svc.send(new DeleteObjectCommand({ Bucket: bucket, Key: oldHeld.clip.clipId, VersionId: heldVersion, BypassGovernanceRetention: true })));
    t.is(refused!.name, 'AccessDenied', 'not even the service identity deletes a legally held version');

    // The second node, 15 days on.
    const later = await openStoreContext(config, { masterKey, now: () => Date.now() + 15 * DAY });
    closers.push(() => later.close());
    const api2 = createApi({ ops: later.ops, exportsDir: storePaths(config).exports, log: quiet('api-2') });
    closers.push(() => api2.close());
    const node2 = apiClient(`http://127.0.0.1:${await api2.listen(0, '127.0.0.1')}`);
    const root = await node2.login('root', PW);
    const run = (await node2.must('POST', '/retention/run', { token: root })).json as { deleted: DeletionReceipt[] };
    t.deepEqual(run.deleted.map((r) => r.clipId), [oldFree.clip.clipId], 'the expired unheld clip goes; the held and the fresh stay');
    t.deepEqual(await versions(oldFree.clip.clipId), [], 'no version of it is left in S3');
    t.deepEqual(await versions(oldHeld.clip.clipId), [heldVersion]);
    t.is((await must('GET', `/clips/${oldHeld.clip.clipId}/video`, { token: owen })).bytes.length, 100_000, 'the held clip still plays');

    const audrey = await login('audrey', PW);
    const receipts = (await must('GET', '/deletion-receipts', { token: audrey })).json.receipts as DeletionReceipt[];
    t.is(receipts.length, 1, 'the receipt node 2 signed is listed by node 1');
    t.deepEqual(receipts[0]!.doc, run.deleted[0]!.doc);
    const body = verifyDeletionReceipt(receipts[0]!.doc, createPublicKey(storeKey));
    t.like(body, { clipId: oldFree.clip.clipId, sha256: oldFree.clip.sha256, storeId: 'store-pg-s3', by: 'retention-job', rule: 'retention:default:14d' });
    // An early deletion through the service identity's bypass is what retention did: the retain-until
    // (its deadline, 14 days) was still ahead in real time.
    t.is(body.steps.length, 2, body.steps.join(','));
    t.regex(body.steps[0]!, /^s3-delete-version:\S+$/);
    t.is(body.steps[1], 'index-delete');
    const verified = (await must('GET', '/access-log/verify', { token: audrey })).json as { ok: boolean; entries: number };
    t.true(verified.ok);
    t.true(verified.entries >= 8);

    // The records are in PostgreSQL (read through the port), not in a node-local file.
    const ix = await PgIndex.open(dbUrl);
    closers.push(() => ix.close());
    t.deepEqual((await ix.tx((u) => allClips(u))).map((c) => c.clip_id).sort(), [fresh.clip.clipId, oldHeld.clip.clipId].sort());
    t.false(existsSync(path.join(dir, 'data', 'receipts.db')));
    t.false(existsSync(path.join(dir, 'data', 'central.db')), 'the server on PostgreSQL made no index file');
  });
}
