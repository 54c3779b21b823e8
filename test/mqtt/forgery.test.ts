// Issue 11's content attacks against the real broker (mosquitto) and the real central ingest: a broker
// client or rogue dock forging metas, clips, device-log entries and wipe certificates. Central believes
// only what the camera signed; each forgery is refused with its reason and logged as an incident.
import test from 'ava';
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { EvidenceStore } from '../../central-store/evidence.js';
import { clipCountIn, clipIn, deviceLogIn, incidentsIn, wipeCertsIn } from '../helpers/index-read.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { signDocument, type DeviceLogEntry, type WipeCertificateBody } from '../../shared/evidence.js';
import { createLogger } from '../../shared/log.js';
import { encodeChunk, encodeJson } from '../../shared/mqtt/codec.js';
import { signDockAuth } from '../../shared/mqtt/dock-auth.js';
import { topics } from '../../shared/mqtt/topics.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { buildSignedClip, cameraCertB64, cameraIdentity, dockAuthFor, dockIdentity, testEpoch } from '../helpers/pki.js';
import { makeCentral, makeClip, quiet, tmpDir } from './setup.js';
import { chainAfter } from './log-chain.js';

const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

async function setup(t: import('ava').ExecutionContext) {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('forgery-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  await central.start();
  const uploader = (dockId: string, o: Partial<ConstructorParameters<typeof Uploader>[0]> = {}) => {
    const u = new Uploader({ ...dockAuthFor(dockId), mqtt: b.endpoint(dockId), dockId, centralPublicKey: central.publicKey, chunkSize: 64 * 1024, statusTimeoutMs: 1000, log: quiet('up'), ...o });
    t.teardown(() => u.close());
    return u;
  };
  // The broker only lets a dock publish under its own prefix (brokerauth): the attacker here holds dock-1's
  // broker credentials (a stolen dock), the worst a broker client can be. Central must still hold.
  const attacker = await mqtt.connectAsync(b.url, { protocolVersion: 4, clientId: `attacker-${process.pid}`, ...mqttTlsOptions(b.endpoint('dock-1').tls) });
  t.teardown(() => attacker.endAsync());
  return { b, central, spool, uploader, attacker };
}

test('a meta saying startedAt 1970 changes nothing indexed, and retention keeps the clip', async (t) => {
  const { central, spool, uploader, attacker } = await setup(t);
  const c = await makeClip(spool, 300_000, 'cam-01');
  const forged = { v: 1, dockId: 'dock-1', clipId: c.clip.clipId, deviceId: 'cam-01', state: 'closed', bytes: c.clip.bytes, sha256: c.clip.sha256,
    startedAt: '1970-01-01T00:00:00.000Z', stoppedAt: '1970-01-01T00:00:10.000Z', epochId: 'epoch-1', chunkSize: 64 * 1024, chunkCount: Math.ceil(c.clip.bytes / 65536), req: 1 };
  // The old meta (no dock signature) and a new-style one with the dock's fields but not its signature.
  await attacker.publishAsync(topics.meta('dock-1', c.clip.clipId), encodeJson(forged), { qos: 1 });
  const v2 = { ...forged, v: 2, ...signDockAuth({ keyPem: stranger.export({ type: 'pkcs8', format: 'pem' }) as string, certPem: dockIdentity('dock-1').certPem }, 'upload', [], cameraCertB64('cam-01')) };
  await attacker.publishAsync(topics.meta('dock-1', c.clip.clipId), encodeJson(v2), { qos: 1 });
  const up = uploader('dock-1');
  const done = up.upload(c.clip, c.file);
  await attacker.publishAsync(topics.meta('dock-1', c.clip.clipId), encodeJson({ ...v2, req: 2 }), { qos: 1 });
  await done;
  const row = (await clipIn(central.db, c.clip.clipId))!;
  t.like(row, { device_id: 'cam-01', dock_id: 'dock-1', started_at: c.clip.startedAt, stopped_at: c.clip.stoppedAt, clip_state: 'closed', clock_note: null });
  t.true((await incidentsIn(central.db, { kind: 'upload-refused' })).some((i) => /dock signature does not verify/.test(i.reason)));

  const store = await EvidenceStore.open({ dir: path.join(central.dir, 'evidence'), db: central.db, blobs: central.blobs, masterKey: Buffer.alloc(32, 7),
    signingKey: generateKeyPairSync('ed25519').privateKey, storeId: 'store-1', log: createLogger('e', 'silent') });
  t.teardown(() => store.close());
  t.deepEqual((await store.runRetention()).deleted, []);
  t.truthy(await store.get(c.clip.clipId));
});

test('a fabricated clip (valid encryption, no or wrong camera signature) is refused with the reason and never receipted', async (t) => {
  const { central, spool, uploader } = await setup(t);
  // Worst case: the forger even holds a real dock's key, and names cam-01 (whose certificate is public).
  const up = uploader('dock-1');
  const file = (name: string, data: Buffer) => { const p = path.join(spool, name); return writeFile(p, data).then(() => p); };
  const sealedByStranger = buildSignedClip(100_000, { deviceId: 'cam-01', deviceKey: stranger });
  await t.throwsAsync(up.upload(sealedByStranger.clip, await file('a.bcc', sealedByStranger.data)), { message: /clip refused: bad-signature: header seal does not verify/ });
  // A version 1 clip encrypted to the public epoch key: decryptable, but nobody signed it.
  const v1 = path.join(spool, 'v1.bcc');
  const w = await ClipWriter.create(v1, { meta: { clipId: 'fab-v1', deviceId: 'cam-01', startedAt: new Date().toISOString() }, epochId: 'epoch-1', publicKey: testEpoch().publicKey });
  await w.appendSegment({ startMs: Date.now(), durationMs: 1000, keyframe: true, data: Buffer.alloc(5000, 1) });
  const fin = await w.finish({ stoppedAtMs: Date.now() });
  await t.throwsAsync(up.upload({ clipId: 'fab-v1', deviceId: 'cam-01', state: 'closed', bytes: fin.bytes, sha256: fin.sha256, startedAt: '', stoppedAt: null, epochId: 'epoch-1' }, v1),
    { message: /clip refused: unsigned: clip format version 1/ });
  // cam-02's genuine clip presented as cam-01's, and one sealed by cam-02 whose header claims cam-01.
  const other = buildSignedClip(50_000, { deviceId: 'cam-02' });
  await t.throwsAsync(up.upload({ ...other.clip, deviceId: 'cam-01' }, await file('b.bcc', other.data)), { message: /clip refused: bad-signature/ });
  const claims = buildSignedClip(50_000, { deviceId: 'cam-01', deviceKey: createPrivateKey(cameraIdentity('cam-02').keyPem) });
  await t.throwsAsync(uploader('dock-1', { cameraCert: () => cameraCertB64('cam-02') }).upload(claims.clip, await file('c.bcc', claims.data)),
    { message: /clip refused: bad-header: the signed clip names device cam-01, sealed by cam-02's key/ });
  for (const id of [sealedByStranger.clip.clipId, 'fab-v1', other.clip.clipId, claims.clip.clipId]) t.is(await clipIn(central.db, id), undefined);
  t.is(await clipCountIn(central.db), 0);
  t.is((await incidentsIn(central.db, { kind: 'clip-refused' })).length, 4);
  // Nothing of the refused uploads is left in the store.
  t.deepEqual(await central.blobs.exists(sealedByStranger.clip.clipId), false);
});

test('a squatter under a real clip id cannot block it: the real clip is stored and receipted, the conflict logged', async (t) => {
  const { central, spool, uploader, attacker } = await setup(t);
  const real = await makeClip(spool, 200_000, 'cam-01');
  const id = real.clip.clipId;
  // A broker client: a 45-byte blob under the real id, announced first on dock-1's topic.
  const bogus = Buffer.alloc(45, 0x42);
  const sha = createHash('sha256').update(bogus).digest('hex');
  await attacker.publishAsync(topics.chunk('dock-1', id, 0), encodeChunk(0, 1024, bogus), { qos: 1 });
  await attacker.publishAsync(topics.meta('dock-1', id), encodeJson({ v: 2, dockId: 'dock-1', clipId: id, bytes: 45, sha256: sha, chunkSize: 1024, chunkCount: 1, req: 1, dockCert: '', cameraCert: '', dockSig: '' }), { qos: 1 });
  // A rogue dock with a valid dock-2 certificate does the same properly signed (for its part).
  const rogue = uploader('dock-2');
  const squat = path.join(spool, 'squat.bin');
  await writeFile(squat, bogus);
  await t.throwsAsync(rogue.upload({ ...real.clip, bytes: 45, sha256: sha }, squat), { message: /clip refused: bad-magic/ });
  // The real dock is not blocked.
  const receipt = await uploader('dock-1').upload(real.clip, real.file);
  t.regex(receipt.body, new RegExp(id));
  t.like(await clipIn(central.db, id), { sha256: real.clip.sha256, device_id: 'cam-01', dock_id: 'dock-1' });
  // After it is stored, a different upload under its id is a conflict: refused, logged, the real row kept.
  await t.throwsAsync(rogue.upload({ ...real.clip, bytes: 45, sha256: sha }, squat), { message: /already stored with a different sha256/ });
  t.is((await clipIn(central.db, id))!.sha256, real.clip.sha256!);
  const kinds = (await incidentsIn(central.db, { clipId: id })).map((i) => i.kind).sort();
  t.deepEqual(kinds, ['clip-conflict', 'clip-refused', 'upload-refused']);
});

const chain = chainAfter;
const head = (deviceId: string, e: DeviceLogEntry[], key: Parameters<typeof signDocument>[1]) =>
  signDocument({ v: 1, kind: 'device-log-head', deviceId, seq: e[e.length - 1]!.seq, hash: e[e.length - 1]!.hash }, key);

test("forged device-log entries are refused; the camera's own are stored; a fork and a gap are reported", async (t) => {
  const { central, uploader, attacker } = await setup(t);
  const camKey = createPrivateKey(cameraIdentity('cam-01').keyPem);
  // 60 fabricated entries with a correct chain: first as the old unsigned message, then through a real
  // (rogue) dock with a head signed by a key that is not the camera's.
  const fake = chain(60, undefined, 'record-start');
  await attacker.publishAsync(topics.deviceLog('dock-1'), encodeJson({ v: 1, deviceId: 'cam-01', entries: fake }), { qos: 1 });
  const refused = await uploader('dock-2').forwardDeviceLog('cam-01', fake, head('cam-01', fake, stranger));
  t.is(refused, 60);
  t.regex((await incidentsIn(central.db, { kind: 'device-log-refused' }))[0]!.reason, /device-log-head: signature does not verify/);
  t.is((await deviceLogIn(central.db)).length, 0);

  const real = chain(20);
  t.is(await uploader('dock-1').forwardDeviceLog('cam-01', real, head('cam-01', real, camKey)), 20);
  const rows = (await deviceLogIn(central.db)).filter((r) => r.deviceId === 'cam-01');
  t.deepEqual(rows.map((r) => [r.seq, r.chainOk]), real.map((e) => [e.seq, true]));
  t.deepEqual(rows.map((r) => (JSON.parse(r.entryJson) as DeviceLogEntry).hash), real.map((e) => e.hash));
  // Entries that drop the signed head's last ones do not chain to it.
  await uploader('dock-1').forwardDeviceLog('cam-01', real.slice(0, 10), head('cam-01', real, camKey));
  t.regex((await incidentsIn(central.db, { kind: 'device-log-refused' })).at(-1)!.reason, /entries end at seq 10, the camera signed seq 20/);

  // A fork: the camera (its key) signs a different history from seq 15 on. Reported, nothing replaced.
  const fork = chain(10, { seq: 14, hash: real[13]!.hash }, 'boot');
  await uploader('dock-1').forwardDeviceLog('cam-01', fork, head('cam-01', fork, camKey));
  t.regex((await incidentsIn(central.db, { kind: 'device-log-fork' }))[0]!.reason, /seq 15 is stored with hash/);
  t.is((await deviceLogIn(central.db)).length, 20);
  // A gap: entries 26..28 arrive, 21..25 never did. Stored (they are the camera's), the gap named.
  const later = chain(8, { seq: 20, hash: real[19]!.hash }).slice(5);
  await uploader('dock-1').forwardDeviceLog('cam-01', later, head('cam-01', later, camKey));
  t.is((await incidentsIn(central.db, { kind: 'device-log-gap' }))[0]!.reason, 'entries 21..25 never arrived');
  t.deepEqual((await deviceLogIn(central.db)).filter((r) => r.seq > 20).map((r) => [r.seq, r.chainOk ? 1 : 0]), [[26, 0], [27, 1], [28, 1]]);
});

test('a forged wipe certificate is refused; the camera-signed one is stored verified and matching its receipt', async (t) => {
  const { central, spool, uploader, attacker } = await setup(t);
  const c = await makeClip(spool, 80_000, 'cam-01');
  const receipt = await uploader('dock-1').upload(c.clip, c.file);
  const body: WipeCertificateBody = {
    v: 1, kind: 'wipe-certificate', clipId: c.clip.clipId, deviceId: 'cam-01', sha256: c.clip.sha256!, bytes: c.clip.bytes, wipedAt: new Date().toISOString(),
    steps: ['overwrite', 'fsync', 'unlink'], receiptSha256: createHash('sha256').update(receipt.body, 'utf8').digest('hex'),
  };
  // Unsigned by any dock (old message), then through a rogue dock signed by a stranger's key.
  await attacker.publishAsync(topics.wipeCert('dock-1'), encodeJson({ v: 1, deviceId: 'cam-01', clipId: c.clip.clipId, cert: signDocument(body, stranger) }), { qos: 1 });
  const why = await uploader('dock-2').forwardWipeCert('cam-01', c.clip.clipId, signDocument(body, stranger));
  t.regex(why ?? '', /wipe-certificate: signature does not verify/);
  t.is((await wipeCertsIn(central.db)).length, 0);
  t.is(await uploader('dock-1').forwardWipeCert('cam-01', c.clip.clipId, signDocument(body, createPrivateKey(cameraIdentity('cam-01').keyPem))), undefined);
  t.like((await wipeCertsIn(central.db))[0], { clipId: c.clip.clipId, deviceId: 'cam-01', receiptMatches: true, signatureVerified: true });
  t.is((await incidentsIn(central.db, { kind: 'wipe-cert-refused' })).length, 1);
});

test("a camera whose own clock said 1970: the signed time is kept, flagged, and retention counts from receipt", async (t) => {
  const { central, spool, uploader } = await setup(t);
  const c = await makeClip(spool, 60_000, 'cam-01', { startedAt: '1970-01-01T00:00:00.000Z' });
  await uploader('dock-1').upload(c.clip, c.file);
  const row = (await clipIn(central.db, c.clip.clipId))!;
  t.is(row.started_at, '1970-01-01T00:00:00.000Z');
  t.regex(row.clock_note ?? '', /^camera clock behind: recording starts 1970-01-01T00:00:00\.000Z, before the camera's certificate/);
  const store = await EvidenceStore.open({ dir: path.join(central.dir, 'evidence'), db: central.db, blobs: central.blobs, masterKey: Buffer.alloc(32, 7),
    signingKey: generateKeyPairSync('ed25519').privateKey, storeId: 'store-1', log: createLogger('e', 'silent') });
  t.teardown(() => store.close());
  t.deepEqual((await store.runRetention()).deleted, []);
  t.is((await store.get(c.clip.clipId))!.deleteAfter, new Date(Date.parse(row.received_at) + 14 * 86_400_000).toISOString());
});
