// One contract for every blob port implementation (fs, S3): registered by blob-fs.test.ts and
// blob-s3.test.ts against their backend, the way MQTT.js runs one store suite against every store.
import type { ExecutionContext, TestFn } from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { BlobPort } from '../../central-store/blob/port.js';

export interface BlobFixture { blobs: BlobPort; cleanup?: () => Promise<void> }

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
/** A stream that hands over `b` in uneven pieces (as a network would). */
const pieces = (b: Buffer) => Readable.from((function* () { for (let i = 0; i < b.length; ) { const n = 1 + ((i * 7919) % 65_536); yield b.subarray(i, i + n); i += n; } })());
let n = 0;
const key = () => `clip-${process.pid}-${Date.now().toString(36)}-${n++}`;

export function blobContract(test: TestFn, name: string, open: (t: ExecutionContext) => Promise<BlobFixture>): void {
  const withBlobs = async (t: ExecutionContext) => {
    const f = await open(t);
    if (f.cleanup) t.teardown(f.cleanup);
    return f.blobs;
  };

  test(`${name}: put streams in (17 MiB) with sha256 and size; read, exists and size give it back`, async (t) => {
    const b = await withBlobs(t);
    const data = randomBytes(17 * 1024 * 1024 + 17), k = key(); // three S3 multipart parts
    t.false(await b.exists(k));
    const r = await b.put(k, pieces(data));
    t.deepEqual(r, { sha256: sha(data), bytes: data.length, existed: false });
    t.true(await b.exists(k));
    t.is(await b.size(k), data.length);
    t.is(sha(await readAll(b.read(k))), sha(data));
  });

  test(`${name}: a second put under the same key keeps the first blob`, async (t) => {
    const b = await withBlobs(t);
    const k = key();
    await b.put(k, Readable.from([Buffer.from('first')]));
    const r = await b.put(k, Readable.from([Buffer.from('second!')]));
    t.deepEqual(r, { sha256: sha(Buffer.from('second!')), bytes: 7, existed: true });
    t.is((await readAll(b.read(k))).toString(), 'first');
  });

  test(`${name}: putFile consumes the finished file from the work directory`, async (t) => {
    const b = await withBlobs(t);
    const k = key(), data = randomBytes(100_000);
    const src = path.join(b.workDir(), `${k}.tmp`);
    writeFileSync(src, data);
    t.deepEqual(await b.putFile(k, src), { existed: false });
    t.false(existsSync(src), 'the source is gone');
    t.true((await readAll(b.read(k))).equals(data));
    // A second writer of the key is told so, and the first blob stands.
    const src2 = path.join(b.workDir(), `${k}.tmp2`);
    writeFileSync(src2, randomBytes(10));
    t.deepEqual(await b.putFile(k, src2), { existed: true });
    t.false(existsSync(src2), 'the second source is gone too');
    t.true((await readAll(b.read(k))).equals(data));
  });

  test(`${name}: byte ranges read exactly the asked bytes (both ends inclusive)`, async (t) => {
    const b = await withBlobs(t);
    const k = key(), data = randomBytes(1_000_003);
    await b.put(k, Readable.from([data]));
    t.true((await readAll(b.read(k, { start: 0, end: 0 }))).equals(data.subarray(0, 1)));
    t.true((await readAll(b.read(k, { start: 12_345, end: 678_900 }))).equals(data.subarray(12_345, 678_901)));
    t.true((await readAll(b.read(k, { start: 999_000 }))).equals(data.subarray(999_000)));
  });

  test(`${name}: a missing key: exists false, size and read fail with not-found`, async (t) => {
    const b = await withBlobs(t);
    const k = key();
    t.false(await b.exists(k));
    t.is((await t.throwsAsync(b.size(k)) as Error & { code: string }).code, 'not-found');
    t.is((await t.throwsAsync(readAll(b.read(k))) as Error & { code: string }).code, 'not-found');
  });

  test(`${name}: a bad key is refused naming the rule`, async (t) => {
    const b = await withBlobs(t);
    await t.throwsAsync(b.exists('../etc/passwd'), { message: /blob key: must match/ });
  });

  test(`${name}: destroy returns the steps it really did and leaves nothing; again says blob-absent`, async (t) => {
    const b = await withBlobs(t);
    const k = key();
    await b.put(k, Readable.from([randomBytes(70_000)]));
    const steps = await b.destroy(k);
    if (b.backend === 'fs') t.deepEqual(steps, ['blob-overwrite', 'fsync', 'unlink']);
    else {
      t.true(steps.length >= 1 && steps.every((s) => /^s3-delete-(version|marker):\S+$/.test(s)), steps.join(','));
      t.false(steps.some((s) => /overwrite/.test(s)), 'S3 cannot overwrite: never claimed');
    }
    t.false(await b.exists(k));
    t.deepEqual(await b.destroy(k), ['blob-absent']);
  });

  test(`${name}: an evidence hold refuses destroy until it is lifted`, async (t) => {
    const b = await withBlobs(t);
    const k = key(), data = randomBytes(5000);
    await b.put(k, Readable.from([data]));
    t.deepEqual((await b.lock(k)).hold, false);
    await b.setHold(k, true);
    t.true((await b.lock(k)).hold);
    t.is((await t.throwsAsync(b.destroy(k)) as Error & { code: string }).code, 'on-hold');
    t.true((await readAll(b.read(k))).equals(data), 'held blob intact');
    await b.setHold(k, false);
    t.false((await b.lock(k)).hold);
    await b.destroy(k);
    t.false(await b.exists(k));
  });

  test(`${name}: retain-until is set at put, can be moved, and the service may still destroy early`, async (t) => {
    const b = await withBlobs(t);
    const k = key();
    const until = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 1000) * 1000);
    await b.put(k, Readable.from([Buffer.from('x')]), { retainUntil: until });
    t.is((await b.lock(k)).retainUntil?.getTime(), until.getTime());
    const later = new Date(until.getTime() + 86_400_000), sooner = new Date(until.getTime() - 86_400_000);
    await b.setRetainUntil(k, later);
    t.is((await b.lock(k)).retainUntil?.getTime(), later.getTime());
    await b.setRetainUntil(k, sooner);
    t.is((await b.lock(k)).retainUntil?.getTime(), sooner.getTime());
    t.true((await b.destroy(k)).length > 0);
    t.false(await b.exists(k));
  });

  test(`${name}: hold and retain-until on a missing key fail with not-found`, async (t) => {
    const b = await withBlobs(t);
    t.is((await t.throwsAsync(b.setHold(key(), true)) as Error & { code: string }).code, 'not-found');
    t.is((await t.throwsAsync(b.setRetainUntil(key(), new Date())) as Error & { code: string }).code, 'not-found');
  });
}
