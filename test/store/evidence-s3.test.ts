// The evidence store over S3 with Object Lock (a real Ceph RGW): a hold is an S3 legal hold that
// survives retention and a direct S3 delete; retention deletes every version and its receipt lists the
// S3 steps (never an overwrite); a failed blob deletion is retried and never receipted; the server exits
// 78 naming the setting when S3 is unreachable or the bucket lacks Object Lock.
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectLegalHoldCommand, GetObjectRetentionCommand, ListObjectVersionsCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { BlobPort } from '../../central-store/blob/port.js';
import { S3BlobStore } from '../../central-store/blob/s3.js';
import { adminPolicy } from '../../central-store/blob/s3-policy.js';
import { verifyDeletionReceipt } from '../../central-store/evidence.js';
import { testS3, type S3Target } from '../helpers/backends/index.js';
import { DAY, T0, addClip, code, epochAt, makeStore, readAll } from './store-helpers.js';
import { clipIn } from '../helpers/index-read.js';

const s3 = await testS3();
let n = 0;
const bucketName = () => `ev-${process.pid}-${Date.now().toString(36)}-${n++}`;

async function s3Store(t: import('ava').ExecutionContext, target: S3Target) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ev-s3-'));
  const bucket = bucketName();
  const blobs = await S3BlobStore.open({ endpoint: target.endpoint, region: target.region, bucket, credentials: target.service, workDir: work, defaultRetainDays: 14 });
  t.teardown(async () => { blobs.close(); await rm(work, { recursive: true, force: true }); });
  const f = await makeStore(t, { blobs });
  const svc = S3BlobStore.client({ endpoint: target.endpoint, region: target.region, credentials: target.service });
  const adm = S3BlobStore.client({ endpoint: target.endpoint, region: target.region, credentials: target.admin });
  t.teardown(() => { svc.destroy(); adm.destroy(); });
  await svc.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(adminPolicy(bucket, [`arn:aws:iam:::user/${target.admin.uid}`])) }));
  const versions = async (key: string) => {
    const r = await svc.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    return [...r.Versions ?? [], ...r.DeleteMarkers ?? []].filter((v) => v.Key === key).map((v) => v.VersionId!);
  };
  return { f, blobs, bucket, svc, adm, versions, add: (o: Parameters<typeof addClip>[1]) => addClip({ db: f.db, blobs, signing: f.signing }, o) };
}

if (!s3.ok) test.skip(`evidence store over S3 skipped: ${s3.reason}`, () => undefined);
else {
  const target = s3.value;

  test('S3: a held clip is legally held, survives retention and a direct S3 delete; after the lift retention deletes every version', async (t) => {
    const s = await s3Store(t, target);
    const e = await epochAt(s.f, T0);
    const held = await s.add({ epoch: e, startedAt: T0 });
    const free = await s.add({ epoch: e, startedAt: T0 });
    const lock = await s.svc.send(new GetObjectRetentionCommand({ Bucket: s.bucket, Key: free.clipId }));
    t.is(lock.Retention?.Mode, 'GOVERNANCE');
    t.true(lock.Retention!.RetainUntilDate!.getTime() > Date.now() + 13 * DAY, 'retain-until no earlier than the longest retention');

    await s.f.store.setBlobHold(held.clipId, true);
    await s.f.store.placeHold(held.clipId, { reason: 'complaint', caseNumber: 'K-7', by: 'owen' });
    t.is((await s.svc.send(new GetObjectLegalHoldCommand({ Bucket: s.bucket, Key: held.clipId }))).LegalHold?.Status, 'ON');
    const [vid] = await s.versions(held.clipId);
    for (const c of [s.svc, s.adm]) {
      const err = await t.throwsAsync(c.send(new DeleteObjectCommand({ Bucket: s.bucket, Key: held.clipId, VersionId: vid, BypassGovernanceRetention: true })));
      t.is(err!.name, 'AccessDenied');
    }

    s.f.clock.now = T0 + 15 * DAY;
    const run = await s.f.store.runRetention();
    t.deepEqual(run.deleted.map((r) => r.clipId), [free.clipId]);
    const body = verifyDeletionReceipt(run.deleted[0]!.doc, s.f.signing.publicKey);
    t.deepEqual(body.steps.slice(-1), ['index-delete']);
    t.true(body.steps.slice(0, -1).length >= 1 && body.steps.slice(0, -1).every((x) => /^s3-delete-version:/.test(x)), body.steps.join(','));
    t.false(body.steps.some((x) => /overwrite|fsync|unlink/.test(x)), 'only what S3 really did');
    t.deepEqual(await s.versions(free.clipId), [], 'no version of the deleted clip is left');
    t.true((await readAll(await s.f.store.openPlaintext(held.clipId))).equals(held.plaintext), 'the held clip still opens');

    await s.f.store.liftHold(held.clipId, { reason: 'closed', by: 'owen' });
    await s.f.store.setBlobHold(held.clipId, false);
    t.is((await s.svc.send(new GetObjectLegalHoldCommand({ Bucket: s.bucket, Key: held.clipId }))).LegalHold?.Status, 'OFF');
    const again = await s.f.store.runRetention();
    t.deepEqual(again.deleted.map((r) => r.clipId), [held.clipId]);
    t.deepEqual(await s.versions(held.clipId), []);
  });

  test('S3: a blob hold left behind by a failed lift does not block the deletion the index asks for', async (t) => {
    const s = await s3Store(t, target);
    const e = await epochAt(s.f, T0);
    const c = await s.add({ epoch: e, startedAt: T0 });
    await s.blobs.setHold(c.clipId, true); // as if the lift after an unhold had failed
    const r = await s.f.store.deleteNow(c.clipId, { reason: 'asked', by: 'owen' });
    t.regex(r.body.steps.join(','), /^s3-delete-version:[^,]+,index-delete$/);
    t.deepEqual(await s.versions(c.clipId), []);
  });

  test('S3: a clip whose blob deletion fails is not receipted nor unindexed, and the next run finishes it', async (t) => {
    const s = await s3Store(t, target);
    const e = await epochAt(s.f, T0);
    const a = await s.add({ epoch: e, startedAt: T0 });
    const b = await s.add({ epoch: e, startedAt: T0 });
    let failures = 0;
    const flaky: BlobPort = new Proxy(s.blobs, {
      get(target_, prop, recv) {
        if (prop === 'destroy') return async (key: string) => { if (key === b.clipId && failures++ === 0) throw new Error('RGW went away'); return target_.destroy(key); };
        const v = Reflect.get(target_, prop, recv);
        return typeof v === 'function' ? v.bind(target_) : v;
      },
    });
    const store = await s.f.open({ blobs: flaky });
    s.f.clock.now = T0 + 15 * DAY;
    t.regex(await code(store.runRetention()), /deletion of 1 clip\(s\) not finished \(retried next run\): .*RGW went away/);
    t.is(await clipIn(s.f.db, a.clipId), undefined, 'the other clip is done');
    t.truthy(await clipIn(s.f.db, b.clipId), 'the failed one keeps its row');
    t.deepEqual((await store.deletionReceipts({})).map((r) => r.clipId), [a.clipId], 'and gets no receipt');
    const next = await store.runRetention();
    t.deepEqual(next.deleted.map((r) => r.clipId), [b.clipId]);
    t.deepEqual(await s.versions(b.clipId), []);
  });

  const ROOT = path.resolve(import.meta.dirname, '../..');
  async function serverExit(t: import('ava').ExecutionContext, s3cfg: object): Promise<{ code: number | null; err: string }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ev-s3-main-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    for (const f of ['ca', 'c', 'k']) await writeFile(path.join(dir, f), 'x');
    await writeFile(path.join(dir, 'master.key'), randomBytes(32));
    await writeFile(path.join(dir, 'creds.json'), JSON.stringify({ accessKeyId: target.service.accessKeyId, secretAccessKey: target.service.secretAccessKey }));
    const cfg = path.join(dir, 'store.json');
    await writeFile(cfg, JSON.stringify({ storeId: 's', dataDir: 'data', mqtt: { url: 'mqtts://127.0.0.1:1', tls: { caPath: 'ca', certPath: 'c', keyPath: 'k' } },
      blobs: { backend: 's3', s3: { credentialsFile: 'creds.json', ...s3cfg } } }));
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), cfg], { cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', BODYCAM_MASTER_KEY_FILE: path.join(dir, 'master.key') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = ''; p.stderr!.on('data', (d) => { err += d; });
    return { code: await new Promise((r) => p.on('close', r)), err };
  }

  test('server start: unreachable S3 or a bucket without Object Lock exits 78 naming the setting', async (t) => {
    const down = await serverExit(t, { endpoint: 'http://127.0.0.1:9', bucket: 'evidence' });
    t.is(down.code, 78, down.err);
    t.regex(down.err, /config\.blobs\.s3\.endpoint: cannot reach http:\/\/127\.0\.0\.1:9/);
    const plain = bucketName();
    const svc = S3BlobStore.client({ endpoint: target.endpoint, region: target.region, credentials: target.service });
    t.teardown(() => svc.destroy());
    await svc.send(new CreateBucketCommand({ Bucket: plain }));
    const nolock = await serverExit(t, { endpoint: target.endpoint, bucket: plain });
    t.is(nolock.code, 78, nolock.err);
    t.regex(nolock.err, new RegExp(`config\\.blobs\\.s3\\.bucket: bucket ${plain} has no Object Lock`));
  });
}
