// The test run's PostgreSQL and Ceph RGW (test/with-backends.ts starts one of each per `npm test`;
// a file run alone starts its own): both answer, and RGW knows the two S3 users the tests use.
import test from 'ava';
import pg from 'pg';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { testPostgres, testS3 } from '../helpers/backends/index.js';

// Both before any test is declared (ava wants every test declared before the first one runs).
const [pgb, s3b] = await Promise.all([testPostgres(), testS3()]);
if (pgb.ok) {
  test('PostgreSQL answers queries', async (t) => {
    const c = new pg.Client({ connectionString: pgb.value });
    await c.connect();
    t.teardown(() => c.end());
    const r = await c.query<{ n: number }>('SELECT 6 * 7 AS n');
    t.is(r.rows[0]!.n, 42);
  });
} else test.skip(`PostgreSQL tests skipped: ${pgb.reason}`, () => undefined);

if (s3b.ok) {
  test('RGW answers S3 for the service and the admin identity, and refuses a wrong secret', async (t) => {
    const { endpoint, region, service, admin } = s3b.value;
    const client = (u: { accessKeyId: string; secretAccessKey: string }) => new S3Client({ endpoint, region, forcePathStyle: true, credentials: u,
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    for (const u of [service, admin]) t.true(Array.isArray((await client(u).send(new ListBucketsCommand({}))).Buckets ?? []));
    const e = await t.throwsAsync(client({ ...service, secretAccessKey: 'wrong' }).send(new ListBucketsCommand({})));
    t.regex(e!.name, /SignatureDoesNotMatch|AccessDenied/);
  });
} else test.skip(`S3 tests skipped: ${s3b.reason}`, () => undefined);
