// The facade end to end: a real clip through real ingest (aedes) is indexed with its purpose and opens
// verified; search criteria; bad input names the field; a damaged blob fails its stream.
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Uploader } from '../../dock-agent/uploader.js';
import { EvidenceStore } from '../../central-store/evidence.js';
import { hashFile } from '../../central-store/ingest-assembly.js';
import { LIMITS } from '../../central-store/input-limits.js';
import { SearchSchema } from '../../central-store/op-schemas.js';
import { createLogger } from '../../shared/log.js';
import { startAedes } from '../helpers/aedes.js';
import { makeCentral, quiet, tmpDir } from '../mqtt/setup.js';
import { rsaPair, writeClip } from '../clip/helpers.js';
import { DAY, T0, addClip, code, epochAt, iso, makeStore, readAll } from './store-helpers.js';
import { cameraIdentity, dockAuthFor } from '../helpers/pki.js';
import { setSecureDelete } from '../helpers/tamper.js';

test('a clip delivered through real ingest is indexed with its purpose and opens verified', async (t) => {
  const b = await startAedes();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  await central.start();
  const epoch = rsaPair();
  const file = path.join(spool, 'clip-1.bc');
  // Sealed by cam-1's key (test CA); meta.purpose = 'crime-prevention', epoch 'epoch-1'.
  const signed = { deviceKey: cameraIdentity('cam-1').keyPem, startedAt: new Date(Date.now() - 60_000).toISOString() };
  const segs = await writeClip(file, epoch.publicKey, 5, { ...signed, marks: [1_000_300, 1_000_700] });
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 16 * 1024, statusTimeoutMs: 1000, log: quiet('up') });
  t.teardown(() => up.close());
  await up.upload({ clipId: 'clip-1', deviceId: 'cam-1', state: 'closed', bytes: statSync(file).size, sha256: await hashFile(file),
    startedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:00:05.000Z', epochId: 'epoch-1' }, file);

  const s = await EvidenceStore.open({ dir: path.join(central.dir, 'evidence'), db: central.db, blobs: central.blobs, masterKey: Buffer.alloc(32, 1),
    signingKey: generateKeyPairSync('ed25519').privateKey, storeId: 'store-1', now: () => Date.now(), log: createLogger('e', 'silent') });
  t.teardown(() => s.close());
  await s.keys.importEpoch({ epochId: 'epoch-1', privateKey: epoch.privateKey, notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-01-02T00:00:00Z' });
  const info = await s.get('clip-1')!;
  t.like(info, { clipId: 'clip-1', deviceId: 'cam-1', dockId: 'dock-1', purpose: 'crime-prevention', epochId: 'epoch-1', state: 'closed', hold: null,
    startedAt: signed.startedAt, clockNote: null, signature: 'camera-signed', deleteAfter: new Date(Date.parse(signed.startedAt) + 14 * DAY).toISOString() });
  t.deepEqual((await s.search({ purpose: 'crime-prevention' })).map((c) => c.clipId), ['clip-1']);
  // The guard's markers, read from the signed clip at ingest (docs/clip-format.md §7.4).
  t.deepEqual((await s.markers('clip-1')).map((m) => `${m.source}:${m.atMs}:${m.by}`), ['camera:1000300:null', 'camera:1000700:null']);
  t.deepEqual((await s.search({ hasMarker: true })).map((c) => c.clipId), ['clip-1']);
  t.true((await readAll(await s.openPlaintext('clip-1'))).equals(Buffer.concat(segs)));
  t.is((await s.search({ hasMarker: false })).length, 0);

  // A dock whose meta names the wrong epoch: the index keeps the epoch the clip's header is wrapped to,
  // so that epoch's key is not destroyed while the clip is within retention, and the clip opens.
  const file2 = path.join(spool, 'clip-2.bc');
  const segs2 = await writeClip(file2, epoch.publicKey, 2, { clipId: 'clip-2', ...signed });
  await up.upload({ clipId: 'clip-2', deviceId: 'cam-1', state: 'closed', bytes: statSync(file2).size, sha256: await hashFile(file2),
    startedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:00:02.000Z', epochId: 'epoch-other' }, file2);
  t.is((await s.get('clip-2'))!.epochId, 'epoch-1');
  t.true((await readAll(await s.openPlaintext('clip-2'))).equals(Buffer.concat(segs2)));
  // A marker goes with its clip.
  await s.deleteNow('clip-1', { reason: 'test', by: 'tester' });
  t.deepEqual(await s.markers('clip-1'), []);
});

test('search: each criterion narrows, newest first, limit; bad criteria name the field', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const c1 = await addClip(f, { epoch: e, startedAt: T0 + 1000, deviceId: 'cam-1', purpose: 'crime-prevention' });
  const c2 = await addClip(f, { epoch: e, startedAt: T0 + 2000, deviceId: 'cam-2', purpose: 'work-environment' });
  const c3 = await addClip(f, { epoch: e, startedAt: T0 + DAY, deviceId: 'cam-1', purpose: 'crime-prevention' });
  const s = f.store;
  const ids = async (c: Parameters<typeof s.search>[0]) => (await s.search(c)).map((x) => x.clipId);
  t.deepEqual(await ids({}), [c3.clipId, c2.clipId, c1.clipId]);
  t.deepEqual(await ids({ deviceId: 'cam-1' }), [c3.clipId, c1.clipId]);
  t.deepEqual(await ids({ purpose: 'work-environment' }), [c2.clipId]);
  t.deepEqual(await ids({ from: iso(T0 + 1500), to: iso(T0 + DAY) }), [c2.clipId]);
  t.deepEqual(await ids({ clipId: c1.clipId }), [c1.clipId]);
  t.deepEqual(await ids({ limit: 1 }), [c3.clipId]);
  // Offset paging and sorting (each order read off its own index).
  t.deepEqual(await ids({ limit: 1, offset: 1 }), [c2.clipId]);
  t.deepEqual(await ids({ offset: 3 }), []);
  t.deepEqual(await ids({ order: 'asc' }), [c1.clipId, c2.clipId, c3.clipId]);
  t.deepEqual(await ids({ sort: 'camera' }), [c3.clipId, c1.clipId, c2.clipId], 'camera A-Z, each newest first');
  t.deepEqual(await ids({ sort: 'camera', order: 'desc' }), [c2.clipId, c1.clipId, c3.clipId]);
  t.deepEqual(await ids({ sort: 'purpose', limit: 1 }), [c3.clipId]);
  t.regex(await code(() => s.search({ sort: 'size' } as never)), /^bad-input: sort/);
  t.regex(await code(() => s.search({ offset: -1 })), /^bad-input: offset/);
  await s.placeHold(c2.clipId, { reason: 'dispute', caseNumber: 'K-9', by: 'u' });
  t.deepEqual(await ids({ onHold: true }), [c2.clipId]);
  t.deepEqual(await ids({ onHold: false }), [c3.clipId, c1.clipId]);
  t.like((await s.get(c2.clipId))!.hold, { reason: 'dispute', caseNumber: 'K-9', placedBy: 'u', placedAt: iso(T0) });
  // A case: the clips added to it and those held under its number; a clip may be in several cases.
  await s.addToCase(c1.clipId, { caseNumber: 'K-9', by: 'u' });
  await s.addToCase(c1.clipId, { caseNumber: 'K-10', by: 'u' });
  t.deepEqual(await ids({ caseNumber: 'K-9' }), [c2.clipId, c1.clipId]);
  t.deepEqual(await ids({ caseNumber: 'K-10' }), [c1.clipId]);
  t.regex(await code(() => s.addToCase(c1.clipId, { caseNumber: 'K-10', by: 'u' })), /^exists: .*already in case K-10/);
  t.regex(await code(() => s.removeFromCase(c3.clipId, { caseNumber: 'K-10', reason: 'r', by: 'u' })), /^not-found/);
  await s.removeFromCase(c1.clipId, { caseNumber: 'K-10', reason: 'wrong case', by: 'u' });
  t.deepEqual((await s.cases(c1.clipId)).map((k) => k.caseNumber), ['K-9']);
  // The category: retention follows the purpose (default 14 days for both here, so only the purpose moves).
  t.is((await s.setCategory(c3.clipId, { purpose: 'police-report', reason: 'reported', by: 'u' })).purpose, 'police-report');
  t.deepEqual(await ids({ purpose: 'police-report' }), [c3.clipId]);
  t.regex(await code(() => s.setCategory(c3.clipId, { purpose: '', reason: 'x', by: 'u' })), /^bad-input: purpose/);
  // Deleting the clip takes its case entries with it.
  await s.deleteNow(c1.clipId, { reason: 'test', by: 'u' });
  t.deepEqual(await s.cases(c1.clipId), []);
  t.deepEqual(await ids({ caseNumber: 'K-9' }), [c2.clipId]);
  t.regex(await code(() => s.search({ from: 'yesterday' })), /^bad-input: from: an ISO 8601/);
  t.regex(await code(() => s.search({ limit: 0 })), /^bad-input: limit/);
  // One set of limits (central-store/input-limits.ts): the store refuses what the API's schema refuses.
  t.is((await s.search({ limit: LIMITS.searchResults })).length, 2);
  t.regex(await code(() => s.search({ limit: LIMITS.searchResults + 1 })), /^bad-input: limit/);
  t.false(SearchSchema.safeParse({ limit: String(LIMITS.searchResults + 1) }).success);
  t.true(SearchSchema.safeParse({ limit: String(LIMITS.searchResults) }).success);
  t.regex(await code(() => s.placeHold(c1.clipId, { reason: 'x'.repeat(LIMITS.reason + 1), caseNumber: 'K-1', by: 'u' })), /^bad-input: reason: at most 500/);
  t.regex(await code(() => s.search({ camera: 'x' } as never)), /^bad-input: .*camera/);
  t.regex(await code(() => s.deletionReceipts({ since: 'soon' })), /^bad-input: since/);
  t.is(await s.get('nope'), undefined);
  t.regex(await code(s.openPlaintext('nope')), /^not-found/);
});

test('openPlaintext: a damaged blob ends the stream with corrupt; a clip without its key is key-missing', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const c = await addClip(f, { epoch: e, startedAt: T0, segments: 4 });
  const blob = f.blobs.pathOf(c.clipId);
  const bytes = readFileSync(blob);
  bytes[bytes.length - 100] ^= 0x20;
  writeFileSync(blob, bytes);
  const stream = await f.store.openPlaintext(c.clipId);
  t.regex(await code(readAll(stream)), /^corrupt: .*tampered/);
  // Header damage is caught before any byte is streamed.
  bytes[bytes.length - 100] ^= 0x20;
  bytes[40] ^= 1;
  writeFileSync(blob, bytes);
  t.regex(await code(f.store.openPlaintext(c.clipId)), /^corrupt: /);
  const other = { epochId: 'epoch-elsewhere', publicKeyPem: rsaPair().publicKey };
  const d = await addClip(f, { epoch: other, startedAt: T0 });
  t.regex(await code(f.store.openPlaintext(d.clipId)), /^key-missing: .*epoch-elsewhere/);
});

test('open refuses a db without secure_delete', async (t) => {
  const f = await makeStore(t);
  setSecureDelete(f.db, false);
  t.regex(await code(f.open()), /^bad-input: db: secure_delete must be ON/);
  setSecureDelete(f.db, true);
});
