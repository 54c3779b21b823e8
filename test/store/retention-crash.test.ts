// Crash safety of deletion and the rules around it: a crash after the blob is gone (or before) is
// finished by the next run with one receipt; deleteNow refuses held clips; bad input names the field.
import test from 'ava';
import { existsSync } from 'node:fs';
import type { BlobPort } from '../../central-store/blob/port.js';
import { verifyDeletionReceipt } from '../../central-store/evidence.js';
import { DAY, T0, addClip, code, epochAt, makeStore } from './store-helpers.js';
import { pendingDeletions } from '../../central-store/index/tables/pending-deletions.js';
import { clipIn, inIndex } from '../helpers/index-read.js';

/** A blob store whose remove "crashes" once: after removing (when) 'after', or without removing ('before'). */
function crashingBlobs(inner: BlobPort, when: 'before' | 'after'): BlobPort {
  let crashed = false;
  return new Proxy(inner, {
    get(target, prop, recv) {
      if (prop !== 'destroy') { const v = Reflect.get(target, prop, recv); return typeof v === 'function' ? v.bind(target) : v; }
      return async (key: string) => {
        if (crashed) return target.destroy(key);
        crashed = true;
        if (when === 'after') await target.destroy(key);
        throw new Error('simulated crash');
      };
    },
  });
}

for (const when of ['after', 'before'] as const) {
  test(`a crash ${when} the blob delete is finished by the next run`, async (t) => {
    const f = await makeStore(t);
    const e = await epochAt(f, T0);
    const c = await addClip(f, { epoch: e, startedAt: T0 });
    f.clock.now = T0 + 15 * DAY;
    const crashy = await f.open({ blobs: crashingBlobs(f.blobs, when) });
    t.regex(await code(crashy.runRetention()), /simulated crash/);
    crashy.close();
    t.is(existsSync(f.blobs.pathOf(c.clipId)), when === 'before');
    t.truthy(await clipIn(f.db, c.clipId), 'row still there after the crash');
    t.deepEqual(await f.store.search({}), [], 'a clip being deleted is not offered to anyone');
    t.regex(await code(() => f.store.placeHold(c.clipId, { reason: 'r', caseNumber: 'K-1', by: 'u' })), /^deleting/);
    // "Restart": a fresh store over the same files finishes it.
    const again = await f.open();
    const r = await again.runRetention();
    t.deepEqual(r.deleted.map((d) => d.clipId), [c.clipId]);
    t.false(existsSync(f.blobs.pathOf(c.clipId)));
    t.is(await clipIn(f.db, c.clipId), undefined);
    t.deepEqual(await inIndex(f.db, (u) => pendingDeletions(u, 10)), []);
    t.is((await again.deletionReceipts()).length, 1);
    t.deepEqual((await again.runRetention()).deleted, []);
  });
}

test('deleteNow: refused while held, not-found for unknown ids, receipt with rule manual once lifted', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const c = await addClip(f, { epoch: e, startedAt: T0 });
  const s = f.store;
  s.placeHold(c.clipId, { reason: 'complaint against guard', caseNumber: 'HR-7', by: 'dpo' });
  t.regex(await code(s.deleteNow(c.clipId, { reason: 'subject asked', by: 'admin' })), /^on-hold: .*lift the hold/);
  f.clock.now = T0 + 40 * DAY;
  t.deepEqual((await s.runRetention()).deleted, [], 'retention never deletes a held clip');
  t.true(existsSync(f.blobs.pathOf(c.clipId)));
  t.regex(await code(s.deleteNow('no-such-clip', { reason: 'x', by: 'admin' })), /^not-found/);
  t.regex(await code(s.deleteNow(c.clipId, { reason: '', by: 'admin' })), /^bad-input: reason: required/);
  t.regex(await code(() => s.placeHold(c.clipId, { reason: 'again', caseNumber: 'X', by: 'dpo' })), /^on-hold: .*already on hold \(case HR-7/);
  t.regex(await code(() => s.liftHold(c.clipId, { reason: 'done', by: '' })), /^bad-input: by: required/);
  s.liftHold(c.clipId, { reason: 'resolved', by: 'dpo' });
  t.regex(await code(() => s.liftHold(c.clipId, { reason: 'again', by: 'dpo' })), /^not-held/);
  const r = await s.deleteNow(c.clipId, { reason: 'subject asked', by: 'admin' });
  t.like(verifyDeletionReceipt(r.doc, f.signing.publicKey), { clipId: c.clipId, rule: 'manual', by: 'admin' });
  t.false(r.doc.body.includes('subject asked'), 'the free-text reason is not in the receipt');
  t.false(existsSync(f.blobs.pathOf(c.clipId)));
  t.regex(await code(s.deleteNow(c.clipId, { reason: 'x', by: 'admin' })), /^not-found/);
  // The same clip delivered again later (a camera that missed its wipe) and deleted again: its own receipt.
  await addClip(f, { epoch: e, startedAt: T0, clipId: c.clipId });
  f.clock.now += 1000;
  const r2 = await s.deleteNow(c.clipId, { reason: 'again', by: 'admin' });
  t.not(r2.deletedAt, r.deletedAt);
  t.deepEqual((await s.deletionReceipts()).map((d) => d.clipId), [c.clipId, c.clipId]);
});

test('placeHold: validation names the field; unknown clip is not-found', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const c = await addClip(f, { epoch: e, startedAt: T0 });
  t.regex(await code(() => f.store.placeHold(c.clipId, { reason: 'x', caseNumber: ' ', by: 'u' })), /^bad-input: caseNumber: required/);
  t.regex(await code(() => f.store.placeHold('nope', { reason: 'x', caseNumber: 'K', by: 'u' })), /^not-found/);
  t.deepEqual(await f.store.holdHistory(c.clipId), [], 'a refused hold leaves no trace');
});
