// deletion_receipts and key_destructions owners on every index backend, through the ReceiptBook that
// signs them: one receipt per deletion request and per key however often or from however many nodes it
// is asked for, listing by time, purge by deadline, the review's figures.
import type { ExecutionContext, TestFn } from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { ReceiptBook, verifyDeletionReceipt, verifyKeyDestruction } from '../../../central-store/deletion-receipts.js';
import { RECEIPTS_MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';

const signing = generateKeyPairSync('ed25519');
const item = (clipId: string, requestedAt = '2026-02-01T00:00:00.000Z') =>
  ({ clipId, sha256: 'ab'.repeat(32), bytes: 1234, rule: 'retention:default:14d', by: 'retention-job', requestedAt, steps: ['s3-delete-version:v1', 'index-delete'] });

export function receiptsContract(test: TestFn, name: string, ready: (t: ExecutionContext) => Promise<Index>, again: (t: ExecutionContext, ix: Index) => Promise<Index>): void {
  test(`${name}: deletion receipts: two nodes finishing the same deletions at once store and return one receipt each`, async (t) => {
    const a = await ready(t);
    const b = await again(t, a);
    const [ba, bb] = [await ReceiptBook.on(a, signing.privateKey, 'store-1'), await ReceiptBook.on(b, signing.privateKey, 'store-1')];
    t.deepEqual(await b.migrate(RECEIPTS_MIGRATIONS), [], 'the receipts migration applied once');
    const items = Array.from({ length: 20 }, (_, i) => item(`c-${i}`));
    // Different times per node, so two signatures would differ: both must hand back the same stored one.
    const [ra, rb] = await Promise.all([ba.recordDeletions(items, '2026-02-15T00:00:00.000Z'), bb.recordDeletions([...items].reverse(), '2026-02-15T00:00:01.000Z')]);
    t.deepEqual(ra.map((r) => r.doc), [...rb].reverse().map((r) => r.doc));
    const listed = await bb.deletions();
    t.is(listed.length, 20, 'one row per deletion request');
    t.deepEqual(listed.map((r) => JSON.stringify(r.doc)).sort(), ra.map((r) => JSON.stringify(r.doc)).sort());
    const body = verifyDeletionReceipt(ra[3]!.doc, signing.publicKey);
    t.like(body, { kind: 'deletion-receipt', clipId: 'c-3', sha256: 'ab'.repeat(32), bytes: 1234, storeId: 'store-1', steps: ['s3-delete-version:v1', 'index-delete'] });
    // A crashed run retried later keeps the first receipt; the same clip id deleted again on a new request gets its own.
    const [retry] = await ba.recordDeletions([{ ...item('c-3'), steps: ['blob-absent', 'index-delete'] }], '2026-03-01T00:00:00.000Z');
    t.deepEqual(retry!.doc, ra[3]!.doc);
    const [later] = await ba.recordDeletions([item('c-3', '2026-04-01T00:00:00.000Z')], '2026-04-02T00:00:00.000Z');
    t.not(later!.doc.sig, ra[3]!.doc.sig);
    t.deepEqual((await bb.deletions('2026-04-01T00:00:00.000Z')).map((r) => [r.clipId, r.deletedAt]), [['c-3', '2026-04-02T00:00:00.000Z']]);
    t.deepEqual(await ba.recordDeletions([], '2026-04-02T00:00:00.000Z'), []);
  });

  test(`${name}: key destructions: one receipt per key across nodes; purge and census by deadline`, async (t) => {
    const a = await ready(t);
    const b = await again(t, a);
    const [ba, bb] = [await ReceiptBook.on(a, signing.privateKey, 'store-1'), await ReceiptBook.on(b, signing.privateKey, 'store-1')];
    const kd = (keyName: string, destroyedAt: string) => ({ keyName, keyKind: 'epoch' as const, keyId: 'cd'.repeat(32), notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-01-02T00:00:00.000Z', destroyedAt, rule: 'retention' });
    const [x, y] = await Promise.all([ba.recordKeyDestruction(kd('epoch-1', '2026-02-01T00:00:00.000Z')), bb.recordKeyDestruction(kd('epoch-1', '2026-02-01T00:00:05.000Z'))]);
    t.deepEqual(x, y, 'both nodes hand out the one stored receipt');
    t.deepEqual(await bb.keyDestruction('epoch-1'), x);
    t.is(await ba.keyDestruction('epoch-9'), undefined);
    t.like(verifyKeyDestruction(x, signing.publicKey), { kind: 'key-destruction', keyName: 'epoch-1', storeId: 'store-1' });
    await ba.recordKeyDestruction(kd('epoch-2', '2026-06-01T00:00:00.000Z'));
    t.is((await bb.keyDestructions()).length, 2);
    await ba.recordDeletions([item('old', '2026-01-01T00:00:00.000Z')], '2026-01-02T00:00:00.000Z');
    await ba.recordDeletions([item('new', '2026-05-01T00:00:00.000Z')], '2026-05-02T00:00:00.000Z');
    const cut = { deletionsBefore: '2026-03-01T00:00:00.000Z', keyDestructionsBefore: '2026-03-01T00:00:00.000Z' };
    t.deepEqual(await bb.census(cut), {
      deletionReceipts: { count: 2, oldest: '2026-01-02T00:00:00.000Z', overdue: 1 },
      keyDestructions: { count: 2, oldest: (verifyKeyDestruction(x, signing.publicKey)).destroyedAt, overdue: 1 },
    });
    t.deepEqual(await ba.purge(cut), { deletionReceipts: 1, keyDestructions: 1 });
    t.deepEqual((await bb.deletions()).map((r) => r.clipId), ['new']);
    t.deepEqual((await bb.keyDestructions()).map((d) => verifyKeyDestruction(d, signing.publicKey).keyName), ['epoch-2']);
  });
}
