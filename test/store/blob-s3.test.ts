// The blob contract against S3 (a real Ceph RGW with Object Lock), and what the bucket itself enforces,
// tried through the S3 API directly with each identity: a legal-held object cannot be deleted by
// anyone; an administrator without the governance bypass cannot delete before retain-until.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketPolicyCommand, PutObjectLegalHoldCommand, PutObjectRetentionCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../central-store/blob/s3.js';
import { adminPolicy } from '../../central-store/blob/s3-policy.js';
import { ConfigError } from '../../shared/config.js';
import { testS3, type S3Target } from '../helpers/backends/index.js';
import { blobContract } from './blob-contract.js';

const s3 = await testS3();
let n = 0;
const bucketName = () => `t-${process.pid}-${Date.now().toString(36)}-${n++}`;

async function openStore(target: S3Target, bucket = bucketName()) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'blob-s3-'));
  const blobs = await S3BlobStore.open({ endpoint: target.endpoint, region: target.region, bucket, credentials: target.service, workDir: work, defaultRetainDays: 1 });
  return { blobs, bucket, cleanup: async () => { blobs.close(); await rm(work, { recursive: true, force: true }); } };
}
const client = (target: S3Target, who: 'service' | 'admin') => S3BlobStore.client({ endpoint: target.endpoint, region: target.region, credentials: target[who] });

if (!s3.ok) test.skip(`S3 blob tests skipped: ${s3.reason}`, () => undefined);
else {
  const target = s3.value;
  // One bucket for the contract tests (keys are unique); bucket creation is the slow part on RGW.
  const shared = openStore(target);
  blobContract(test, 's3', async () => ({ blobs: (await shared).blobs }));
  test.after.always(async () => (await shared).cleanup());

  /** A bucket with one object (GOVERNANCE retain-until in an hour) and the admin policy from s3-policy.ts applied. */
  async function lockedObject(t: import('ava').ExecutionContext, hold: boolean) {
    const f = await openStore(target);
    t.teardown(f.cleanup);
    await f.blobs.put('evidence-1', Readable.from([Buffer.from('evidence bytes')]), { retainUntil: new Date(Date.now() + 3_600_000) });
    if (hold) await f.blobs.setHold('evidence-1', true);
    const svc = client(target, 'service'), adm = client(target, 'admin');
    t.teardown(() => { svc.destroy(); adm.destroy(); });
    await svc.send(new PutBucketPolicyCommand({ Bucket: f.bucket, Policy: JSON.stringify(adminPolicy(f.bucket, [`arn:aws:iam:::user/${target.admin.uid}`])) }));
    const versions = await svc.send(new ListObjectVersionsCommand({ Bucket: f.bucket }));
    return { ...f, svc, adm, versionId: versions.Versions![0]!.VersionId! };
  }

  test('S3 directly: a legal-held object cannot be deleted by the service (even with bypass) nor by the admin', async (t) => {
    const o = await lockedObject(t, true);
    for (const c of [o.svc, o.adm]) {
      for (const bypass of [false, true]) {
        const e = await t.throwsAsync(c.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: 'evidence-1', VersionId: o.versionId, BypassGovernanceRetention: bypass })));
        t.is(e!.name, 'AccessDenied');
      }
    }
    const e = await t.throwsAsync(o.adm.send(new PutObjectLegalHoldCommand({ Bucket: o.bucket, Key: 'evidence-1', VersionId: o.versionId, LegalHold: { Status: 'OFF' } })));
    t.is(e!.name, 'AccessDenied', 'the admin cannot lift the legal hold either');
    t.true(await o.blobs.exists('evidence-1'));
    t.is((await t.throwsAsync(o.blobs.destroy('evidence-1')) as Error & { code: string }).code, 'on-hold');
  });

  test('S3 directly: the admin without bypass cannot delete or shorten before retain-until; the service can', async (t) => {
    const o = await lockedObject(t, false);
    for (const bypass of [false, true]) {
      const e = await t.throwsAsync(o.adm.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: 'evidence-1', VersionId: o.versionId, BypassGovernanceRetention: bypass })));
      t.is(e!.name, 'AccessDenied', `admin delete, bypass ${bypass}`);
    }
    const e = await t.throwsAsync(o.adm.send(new PutObjectRetentionCommand({ Bucket: o.bucket, Key: 'evidence-1', VersionId: o.versionId, BypassGovernanceRetention: true,
      Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 1000) } })));
    t.is(e!.name, 'AccessDenied', 'admin cannot shorten retain-until');
    // A plain delete only adds a delete marker: the version stays.
    await o.adm.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: 'evidence-1' }));
    const v = await o.svc.send(new ListObjectVersionsCommand({ Bucket: o.bucket }));
    t.deepEqual(v.Versions?.map((x) => x.VersionId), [o.versionId]);
    // The service identity (bypass allowed) deletes every version and every marker.
    const steps = await o.blobs.destroy('evidence-1');
    t.is(steps.filter((s) => s.startsWith('s3-delete-version:')).length, 1);
    t.is(steps.filter((s) => s.startsWith('s3-delete-marker:')).length, 1);
    const after = await o.svc.send(new ListObjectVersionsCommand({ Bucket: o.bucket }));
    t.deepEqual([...after.Versions ?? [], ...after.DeleteMarkers ?? []], []);
  });

  test('a bucket without Object Lock is refused at start, naming the reason', async (t) => {
    const bucket = bucketName();
    const c = client(target, 'service');
    t.teardown(() => c.destroy());
    await c.send(new CreateBucketCommand({ Bucket: bucket }));
    const e = await t.throwsAsync(openStore(target, bucket));
    t.true(e instanceof ConfigError);
    t.regex(e!.message, new RegExp(`^config\\.blobs\\.s3\\.bucket: bucket ${bucket} has no Object Lock`));
  });

  test('an unreachable endpoint or wrong credentials are config errors naming the setting', async (t) => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'blob-s3-'));
    t.teardown(() => rm(work, { recursive: true, force: true }));
    const base = { region: target.region, bucket: bucketName(), workDir: work, defaultRetainDays: 1 };
    const e1 = await t.throwsAsync(S3BlobStore.open({ ...base, endpoint: 'http://127.0.0.1:9', credentials: target.service }));
    t.true(e1 instanceof ConfigError);
    t.regex(e1!.message, /^config\.blobs\.s3\.endpoint: cannot reach http:\/\/127\.0\.0\.1:9/);
    const e2 = await t.throwsAsync(S3BlobStore.open({ ...base, endpoint: target.endpoint, credentials: { ...target.service, secretAccessKey: 'wrong' } }));
    t.regex(e2!.message, /^config\.blobs\.s3\.credentials: SignatureDoesNotMatch/);
  });
}
