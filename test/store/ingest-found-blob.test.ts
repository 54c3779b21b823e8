// A blob under a clip's key with no index row yet (issue 17, several nodes: another node stored the clip
// and is about to index and receipt it). A hostile dock's meta for that clip id — any hash, any camera
// certificate, signed with its own valid dock key — must not make this node destroy the authentic blob:
// the found blob is judged by its own camera signature, never by the meta. Bytes no certificate of the
// camera they name verifies are still replaced by the real clip. Real mosquitto, the real ingest and
// uploader, camera-signed clips.
import test from 'ava';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import mqtt from 'mqtt';
import { Uploader } from '../../dock-agent/uploader.js';
import { StatusSchema, decodeJson, encodeJson, metaFacts, type Status } from '../../shared/mqtt/codec.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { signDockAuth } from '../../shared/mqtt/dock-auth.js';
import { topics } from '../../shared/mqtt/topics.js';
import { clipIn, incidentsIn } from '../helpers/index-read.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { buildSignedClip, cameraCertB64, dockAuthFor, dockIdentity } from '../helpers/pki.js';
import { makeCentral, makeClip, quiet, tmpDir, type Central } from '../mqtt/setup.js';

let broker: Mosquitto;
let central: Central;
let spool: string;
const closers: (() => Promise<unknown>)[] = [];

test.before(async () => {
  broker = await startMosquitto();
  central = await makeCentral(broker);
  spool = await tmpDir('found-blob-');
  await central.start();
});
test.after.always(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await central?.cleanup();
  await broker?.stop();
  if (spool) await rm(spool, { recursive: true, force: true });
});

const sha = async (key: string) => {
  const h = createHash('sha256');
  for await (const b of central.blobs.read(key)) h.update(b as Buffer);
  return h.digest('hex');
};

/** dock-2 (a valid dock certificate) sends a meta it signed itself for `clipId`; resolves with central's answer. */
async function hostileMeta(clipId: string, o: { sha256: string; bytes: number; camera: string }): Promise<Status> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: `hostile-${randomUUID().slice(0, 8)}`, ...mqttTlsOptions(broker.endpoint('dock-2').tls) });
  try {
    const answer = new Promise<Status>((resolve) => c.on('message', (_t, p) => resolve(decodeJson(StatusSchema, p, 'status'))));
    await c.subscribeAsync(topics.status('dock-2', clipId), { qos: 1 });
    const facts = { dockId: 'dock-2', clipId, bytes: o.bytes, sha256: o.sha256, chunkSize: 65536 };
    await c.publishAsync(topics.meta('dock-2', clipId), encodeJson({ v: 2, ...facts, chunkCount: Math.ceil(o.bytes / 65536), req: 1,
      ...signDockAuth(dockIdentity('dock-2'), 'upload', metaFacts(facts), cameraCertB64(o.camera)) }), { qos: 1 });
    return await answer;
  } finally { await c.endAsync(true); }
}

function dock1(): Uploader {
  const u = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, statusTimeoutMs: 1000, log: quiet('dock-1') });
  closers.push(() => u.close());
  return u;
}

test.serial('another node\'s authentic blob, not yet indexed, survives hostile metas for its id (any hash, any camera certificate); the real dock then gets it indexed and receipted', async (t) => {
  const real = await makeClip(spool, 300_000, 'cam-a');
  const key = real.clip.clipId;
  // What another node's put left: the verified clip under its key, its row not yet written.
  await central.blobs.put(key, Readable.from([real.data]));
  const attempts = [
    { sha256: 'ab'.repeat(32), bytes: 45, camera: 'cam-b' }, // garbage, another camera
    { sha256: 'cd'.repeat(32), bytes: real.clip.bytes, camera: 'cam-a' }, // the named camera's (public) certificate
    { sha256: real.clip.sha256!, bytes: real.clip.bytes, camera: 'cam-b' }, // the real hash, another camera
  ];
  for (const a of attempts) {
    const s = await hostileMeta(key, a);
    t.is(s.state, 'rejected', JSON.stringify(a));
    t.true(await central.blobs.exists(key), `the authentic blob is still there after ${JSON.stringify(a)}`);
    t.is(await sha(key), real.clip.sha256!, 'and it is the clip\'s bytes');
  }
  t.is(await clipIn(central.db, key), undefined, 'nothing indexed from a hostile meta');
  t.true((await incidentsIn(central.db, { kind: 'clip-conflict', clipId: key })).length > 0, 'the conflicts are incidents');
  // The clip's own dock asks: the blob found is its clip, indexed and receipted without a resend.
  const receipt = await dock1().upload(real.clip, real.file);
  const row = (await clipIn(central.db, key))!;
  t.is(row.receipt_json, JSON.stringify(receipt));
  t.like(row, { sha256: real.clip.sha256, device_id: 'cam-a', dock_id: 'dock-1' });
  t.is(await sha(key), real.clip.sha256!);
});

test.serial('a blob that is no clip, or one no certificate of the camera it names verifies, is replaced by the real clip', async (t) => {
  const stranger = generateKeyPairSync('ed25519').privateKey;
  for (const [what, bytes] of [
    ['garbage', (id: string) => Buffer.from(`not a clip ${id}`)],
    // cam-a's certificate is known to central since the test above: it does not verify this one.
    ['sealed by a stranger', (id: string) => buildSignedClip(50_000, { deviceId: 'cam-a', clipId: id, deviceKey: stranger }).data],
  ] as const) {
    const real = await makeClip(spool, 200_000, 'cam-a');
    const key = real.clip.clipId;
    await central.blobs.put(key, Readable.from([bytes(key)]));
    const receipt = await dock1().upload(real.clip, real.file);
    t.is((await clipIn(central.db, key))!.receipt_json, JSON.stringify(receipt), what);
    t.is(await sha(key), real.clip.sha256!, `${what}: replaced by the clip`);
  }
});
