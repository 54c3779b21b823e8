// The API over the real EvidenceStore (real clips, keys, holds, deletion receipts, AES-256 ZIP export):
// what each call returns, and that the access log holds every call with its criterion.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DAY, T0, addClip, epochAt, makeStore } from './store-helpers.js';
import { TestClock, startApi } from './helpers.js';

test('real store: search, view, hold blocks delete, unhold, delete with receipt, police export opens with the password only', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const a = await addClip(f, { epoch: e, startedAt: T0, deviceId: 'cam-7' });
  const b = await addClip(f, { epoch: e, startedAt: T0 + 60_000, deviceId: 'cam-8' });
  const clock = new TestClock(T0 + DAY);
  f.clock.now = clock.t;
  const s = await startApi(t, f.store, clock, { db: f.db });
  const officer = await s.login('owen');

  const found = await s.call('GET', '/clips?deviceId=cam-7', { token: officer });
  t.is(found.status, 200);
  t.deepEqual(found.json.clips.map((c: { clipId: string }) => c.clipId), [a.clipId]);
  const video = await fetch(`${s.base}/clips/${a.clipId}/video`, { headers: { authorization: `Bearer ${officer}` } });
  t.is(video.status, 200);
  t.true(Buffer.from(await video.arrayBuffer()).equals(a.plaintext), 'decrypted stream equals what the camera recorded');

  const bad = await s.call('POST', `/clips/${a.clipId}/hold`, { token: officer, body: { reason: '', caseNumber: 'K-1' } });
  t.is(bad.status, 400);
  t.false((await f.blobs.lock(a.clipId)).hold, 'a refused hold leaves the blob unheld');
  const hold = await s.call('POST', `/clips/${a.clipId}/hold`, { token: officer, body: { reason: 'assault on guard', caseNumber: '0100-2026-77' } });
  t.is(hold.status, 200, hold.text); t.is(hold.json.hold.caseNumber, '0100-2026-77'); t.is(hold.json.deleteAfter, null);
  t.true((await f.blobs.lock(a.clipId)).hold, 'the blob store holds it too (S3: legal hold)');
  const refused = await s.call('DELETE', `/clips/${a.clipId}`, { token: officer, body: { reason: 'cleanup' } });
  t.is(refused.status, 409); t.is(refused.json.error, 'on-hold');
  t.is((await s.call('DELETE', `/clips/${a.clipId}/hold`, { token: officer, body: { reason: 'case closed' } })).status, 200);
  t.false((await f.blobs.lock(a.clipId)).hold, 'lifted on the blob after the index');
  const del = await s.call('DELETE', `/clips/${a.clipId}`, { token: officer, body: { reason: 'no longer needed' } });
  t.is(del.status, 200, del.text);
  t.is(del.json.receipt.clipId, a.clipId);
  t.is((await s.call('GET', `/clips/${a.clipId}`, { token: officer })).status, 404);
  t.false(await f.blobs.exists(a.clipId));

  const ex = await s.call('POST', '/exports', { token: officer, body: { clipIds: [b.clipId], journalNumber: '0100-12345-00042-26', recipient: 'Politi' } });
  t.is(ex.status, 201, ex.text);
  t.true(existsSync(ex.json.path)); t.is(path.dirname(ex.json.path), s.dir);
  const x = path.join(s.dir, 'x');
  const wrong = spawnSync('7z', ['x', '-y', '-pnot-the-password', `-o${x}-bad`, ex.json.path], { encoding: 'utf8' });
  t.not(wrong.status, 0, 'does not open without the password');
  const ok = spawnSync('7z', ['x', '-y', `-p${ex.json.password}`, `-o${x}`, ex.json.path], { encoding: 'utf8' });
  t.is(ok.status, 0, ok.stdout + ok.stderr);
  const extracted = spawnSync('find', [x, '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n');
  t.true(extracted.some((p) => readFileSync(p).equals(b.plaintext)), 'the clip is in the package, decrypted');

  const aud = await s.login('aud');
  const rec = await s.call('GET', '/deletion-receipts', { token: aud });
  t.deepEqual(rec.json.receipts.map((r: { clipId: string }) => r.clipId), [a.clipId]);

  const log = (await s.log.entries()).filter((x) => x.user === 'owen').map((x) => `${x.action}:${x.outcome}:${x.criterion}`);
  t.true(log.includes('search:ok:{"deviceId":"cam-7"}'));
  t.true(log.includes(`view:ok:{"clipId":"${a.clipId}"}`));
  t.true(log.includes(`hold:ok:{"clipId":"${a.clipId}","reason":"assault on guard","caseNumber":"0100-2026-77"}`));
  t.true(log.some((l) => l.startsWith(`delete:error:{"clipId":"${a.clipId}"`)));
  t.true(log.includes(`export:ok:{"clipIds":["${b.clipId}"],"journalNumber":"0100-12345-00042-26","recipient":"Politi"}`));
  t.true((await s.log.verify()).ok);
});

test('a stored clip damaged on disk is refused as corrupt, naming the reason, and the attempt is logged', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const a = await addClip(f, { epoch: e, startedAt: T0, deviceId: 'cam-7' });
  const clock = new TestClock(T0 + DAY);
  f.clock.now = clock.t;
  const s = await startApi(t, f.store, clock, { db: f.db });
  const officer = await s.login('owen');
  const { openSync, writeSync, closeSync } = await import('node:fs');
  const fd = openSync(f.blobs.pathOf(a.clipId), 'r+');
  writeSync(fd, Buffer.alloc(4096), 0, 4096, 0);
  closeSync(fd);
  const video = await s.call('GET', `/clips/${a.clipId}/video`, { token: officer });
  t.is(video.status, 500, video.text);
  t.is(video.json.error, 'corrupt');
  t.regex(video.json.message, /fails verification: .*magic/);
  t.true((await s.log.entries()).some((x) => x.user === 'owen' && x.action === 'view' && x.outcome === 'error'));
});
