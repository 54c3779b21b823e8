// Dock leases under attack (docs/threat-model.md, "Several central nodes"): the real mosquitto with the
// project's broker config (TLS client certificates, the generated ACL) and the central ingest with dock
// leases (central-store/ingest-leases.ts) on a real index. A lease row exists only for a dock whose own
// certificate signed a message on its own topic: another dock, a central certificate, garbage, chunks
// and forged signatures on a dock's topic, or a revoked dock, make no lease row; a hostile dock holds
// at most its own one lease. Each check ends with a real upload from another dock (its receipt means
// the store handled every message sent before it).
import test from 'ava';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { dockLeaseCounts, dockLeaseHolder } from '../../central-store/index/tables/dock-leases.js';
import { DockLeases } from '../../central-store/ingest-leases.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { RevocationSet, serialOf } from '../../shared/pki/revocation.js';
import { encodeChunk, encodeJson, metaFacts } from '../../shared/mqtt/codec.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { signDockAuth } from '../../shared/mqtt/dock-auth.js';
import { topics } from '../../shared/mqtt/topics.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { cameraCertB64, dockAuthFor, dockIdentity } from '../helpers/pki.js';
import { makeCentral, makeClip, quiet, tmpDir, type Central } from './setup.js';

const DOCKS = ['dock-1', 'dock-2', 'dock-3', 'dock-4'];
let broker: Mosquitto;
let central: Central;
let spool: string;
let index: SqliteIndex;
const closers: (() => Promise<unknown>)[] = [];

test.before(async () => {
  broker = await startMosquitto({ docks: DOCKS, centrals: ['central-1', 'central-2'] });
  central = await makeCentral(broker);
  spool = await tmpDir('lease-attacks-');
  index = SqliteIndex.for(central.db);
  // dock-4 is revoked at central; the broker was not re-provisioned, so its certificate still publishes.
  const revoked = new RevocationSet({ v: 1, kind: 'revocation-list', number: 2, issuedAt: new Date().toISOString(),
    revoked: [{ serial: serialOf(dockIdentity('dock-4').certPem), reason: 'stolen', revokedAt: new Date().toISOString(), role: 'dock', id: 'dock-4' }] });
  const leases = new DockLeases(index, { holder: 'node-a', log: quiet('leases') });
  closers.push(() => leases.close());
  await central.start({ leases, revocation: () => revoked });
});

test.after.always(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await central?.cleanup();
  await broker?.stop();
  if (spool) await rm(spool, { recursive: true, force: true });
});

async function client(id: string, role: 'dock' | 'central' | 'camera' = 'dock'): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: `${id}-${randomUUID().slice(0, 8)}`, ...mqttTlsOptions(broker.endpoint(id, role as never).tls) });
  closers.push(() => c.endAsync(true));
  return c;
}
/** mosquitto PUBACKs a publish its ACL refuses and drops it. */
const send = (c: MqttClient, topic: string, payload: Buffer | string) => c.publishAsync(topic, payload, { qos: 1 });

/** A real upload by dock-3: once its receipt is back, the store handled every message published before it. */
async function barrier(): Promise<void> {
  const up = new Uploader({ ...dockAuthFor('dock-3'), mqtt: broker.endpoint('dock-3'), dockId: 'dock-3', centralPublicKey: central.publicKey, statusTimeoutMs: 1000, log: quiet('dock-3') });
  try {
    const c = await makeClip(spool, 20_000, 'cam-3');
    await up.upload(c.clip, c.file);
  } finally { await up.close(); }
}
const holder = async (dockId: string) => (await index.tx((u) => dockLeaseHolder(u, dockId)))?.holder;

/** A meta as a dock signs it; `signer` another identity or key makes it a forgery. */
function meta(dockId: string, signer = dockIdentity(dockId)) {
  const facts = { dockId, clipId: randomUUID(), bytes: 1000, sha256: 'ab'.repeat(32), chunkSize: 65536 };
  return encodeJson({ v: 2, ...facts, chunkCount: 1, req: 1, ...signDockAuth(signer, 'upload', metaFacts(facts), cameraCertB64('cam-2')) });
}

test.serial('no other dock, central certificate or camera certificate can create a dock\'s lease: the broker drops their messages on its topics', async (t) => {
  const dock2 = await client('dock-2');
  const other = await client('central-2', 'central');
  const camera = await client('dock-1', 'camera'); // a camera certificate whose CN is the dock's id
  for (const c of [dock2, other, camera]) {
    // Even one dock-1 signed itself (a replay of a message the attacker saw): only dock-1's certificate may publish it.
    await send(c, topics.meta('dock-1', randomUUID()), meta('dock-1'));
    await send(c, topics.chunk('dock-1', randomUUID(), 0), encodeChunk(0, 65536, Buffer.alloc(100, 1)));
    await send(c, topics.heartbeat('dock-1'), 'not json');
    await send(c, topics.wipeCert('dock-1'), '{}');
    await send(c, topics.deviceLog('dock-1'), '{}');
  }
  await barrier();
  t.is(await holder('dock-1'), undefined, 'no lease row for dock-1');
  t.is(await holder('dock-3'), 'node-a', 'the barrier dock\'s signed upload took its lease (the check can fail)');
});

test.serial('a dock\'s own certificate publishing unsigned or forged messages on its own topics creates no lease; its signed upload does', async (t) => {
  const dock2 = await client('dock-2');
  const stranger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const clipId = randomUUID();
  await send(dock2, topics.meta('dock-2', clipId), 'not json');
  await send(dock2, topics.meta('dock-2', randomUUID()), meta('dock-2', dockIdentity('dock-3'))); // dock-3's certificate and key
  await send(dock2, topics.meta('dock-2', randomUUID()), meta('dock-2', { certPem: dockIdentity('dock-2').certPem, keyPem: stranger }));
  for (let i = 0; i < 20; i++) await send(dock2, topics.chunk('dock-2', clipId, i), encodeChunk(i, 65536, Buffer.alloc(65536, i)));
  await send(dock2, topics.heartbeat('dock-2'), '{"garbage":true}');
  await send(dock2, topics.wipeCert('dock-2'), Buffer.alloc(1000, 0x7b));
  await send(dock2, topics.deviceLog('dock-2'), 'null');
  await barrier();
  t.is(await holder('dock-2'), undefined, 'no lease row from unsigned or forged messages');
  // The same certificate's real, signed upload takes the lease: what was refused above was the signature.
  const up = new Uploader({ ...dockAuthFor('dock-2'), mqtt: broker.endpoint('dock-2'), dockId: 'dock-2', centralPublicKey: central.publicKey, statusTimeoutMs: 1000, log: quiet('dock-2') });
  closers.push(() => up.close());
  const c = await makeClip(spool, 20_000, 'cam-2');
  await up.upload(c.clip, c.file);
  t.is(await holder('dock-2'), 'node-a');
});

test.serial('a revoked dock whose certificate the broker still accepts makes no lease, even with a signed message', async (t) => {
  const dock4 = await client('dock-4');
  await send(dock4, topics.meta('dock-4', randomUUID()), meta('dock-4'));
  await barrier();
  t.is(await holder('dock-4'), undefined);
});

test.serial('a hostile dock holds at most its own lease: 100 signed metas under its prefix and 40 under other dock ids leave one row for it', async (t) => {
  const dock2 = await client('dock-2');
  const before = await index.tx((u) => dockLeaseCounts(u, Date.now()));
  const others = Array.from({ length: 40 }, (_, i) => `dock-x${i}`);
  for (let i = 0; i < 100; i++) await send(dock2, topics.meta('dock-2', randomUUID()), meta('dock-2'));
  for (const d of others) await send(dock2, topics.meta(d, randomUUID()), meta('dock-2'));
  await barrier();
  for (const d of others) t.is(await holder(d), undefined, `no lease for ${d}`);
  const after = await index.tx((u) => dockLeaseCounts(u, Date.now()));
  t.deepEqual([...after], [...before], 'the leases are the same rows as before the flood');
  t.deepEqual([...after], [['node-a', 2]], 'dock-2 and dock-3, one row each');
});
