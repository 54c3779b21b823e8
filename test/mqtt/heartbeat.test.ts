// The dock heartbeat over the real broker (mosquitto, TLS client certificates, the generated ACL) into
// the real central ingest: what the dock's DockHeartbeat sends is verified and kept; a replayed or older
// one changes nothing; forged, tampered, oversized and out-of-bounds ones are refused; another dock
// cannot publish on this dock's topic.
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { DockHeartbeat } from '../../dock-agent/heartbeat.js';
import type { CameraSession } from '../../dock-agent/types.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { latestHeartbeats } from '../../central-store/index/tables/dock-heartbeats.js';
import { encodeHeartbeat, heartbeatFacts, type HeartbeatBody } from '../../shared/mqtt/codec.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { signDockOnly } from '../../shared/mqtt/dock-auth.js';
import { topics } from '../../shared/mqtt/topics.js';
import { encodeJson } from '../../shared/wire/messages.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { dockIdentity } from '../helpers/pki.js';
import { makeCentral, quiet, tmpDir } from './setup.js';

const connect = async (b: Awaited<ReturnType<typeof startMosquitto>>, id: string, role?: 'dock' | 'camera') =>
  mqtt.connectAsync(b.url, { protocolVersion: 4, clientId: `${id}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 0, ...mqttTlsOptions(b.endpoint(id, role as never).tls) });

/** A docked camera as the heartbeat asks it: FW_STATUS (firmware, slot, free flash) and LIST_CLIPS. */
const camera = (deviceId: string, clips: number): CameraSession => ({
  deviceId, listClips: async () => Array.from({ length: clips }, (_, i) => ({ clipId: `c${i}` })) as never,
  rpc: { request: async () => encodeJson({ hardware: 'bc-1', version: '1.4.0', floor: '1.0.0', active: 'b', trial: false, bootCount: 1, pending: null,
    running: { slot: 'b', version: '1.4.0' }, staged: null, last: null, flashFreeBytes: 3_221_225_472 }) },
} as unknown as CameraSession);

test('heartbeat: sent by the dock, verified and kept at central; replays, forgeries, bad values and another dock refused', async (t) => {
  t.timeout(120_000);
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('hb-spool-');
  const clients: MqttClient[] = [];
  t.teardown(async () => { for (const c of clients) await c.endAsync().catch(() => undefined); await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  await central.start();
  const index = SqliteIndex.for(central.db);
  const stored = async () => (await index.tx((u) => latestHeartbeats(u))).find((h) => h.dockId === 'dock-1');
  /** Central answers nothing for a heartbeat: wait until the stored seq is `seq` (a later good message orders the checks). */
  const storedSeq = async (seq: number) => {
    for (let i = 0; i < 400; i++) { if ((await stored())?.seq === seq) return; await new Promise((r) => setTimeout(r, 25)); }
    throw new Error(`heartbeat seq ${seq} never stored (now ${(await stored())?.seq})`);
  };

  const dock1 = await connect(b, 'dock-1'); clients.push(dock1);
  const states = ['pulling', 'pulled', 'uploading', 'uploading', 'receipted', 'wiped'];
  let clock = Date.now();
  const hb = new DockHeartbeat({ dockId: 'dock-1', identity: dockIdentity('dock-1'), journal: { all: () => states.map((state) => ({ state })) as never },
    spoolDir: spool, client: dock1, intervalMs: 0, now: () => clock, log: quiet('hb') });
  await hb.noteCamera(camera('cam-7', 3));
  t.true(await hb.beat());
  const first = (await hb.body()).seq - 1;
  await storedSeq(first);
  const body = JSON.parse((await stored())!.bodyJson) as HeartbeatBody;
  t.deepEqual(body.queue, { pulling: 1, pulled: 1, uploading: 2, receipted: 1, wiped: 1 });
  t.deepEqual(body.cameras.map(({ seenAt: _s, ...c }) => c), [{ deviceId: 'cam-7', firmware: { version: '1.4.0', slot: 'b', trial: false }, flashFreeBytes: 3_221_225_472, clipsOnCamera: 3 }]);
  t.true(body.spoolFreeBytes! > 0);

  // A message signed now, for the checks below.
  const signed = (b2: HeartbeatBody, id = dockIdentity('dock-1')) => ({ ...b2, ...signDockOnly(id, 'heartbeat', heartbeatFacts(b2)) });
  const next = async () => { clock += 1000; return hb.body(); };
  // Each refused message claims a seq above every real one: had central kept any, the good one sent last would never be newer.
  let big = 10 ** 13;
  const forged = async () => ({ ...await next(), seq: ++big });
  const send = (client: MqttClient, payload: Buffer | string, dock = 'dock-1') => client.publishAsync(topics.heartbeat(dock), payload, { qos: 1 });

  // Replayed and older: ignored.
  const old = await next();
  const newer = await next();
  await send(dock1, encodeHeartbeat(signed(newer)));
  await storedSeq(newer.seq);
  await send(dock1, encodeHeartbeat(signed(old)));
  await send(dock1, encodeHeartbeat(signed(newer)));
  // Forged: dock-2's certificate and key on dock-1's topic; dock-1's certificate with a stranger's key; a tampered body.
  const stranger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const f1 = await forged(); await send(dock1, encodeHeartbeat(signed(f1, dockIdentity('dock-2'))));
  const f2 = await forged(); await send(dock1, encodeHeartbeat(signed(f2, { certPem: dockIdentity('dock-1').certPem, keyPem: stranger })));
  const f3 = await forged(); await send(dock1, encodeHeartbeat({ ...signed(f3), queue: { ...f3.queue, pulling: 999 } }));
  // Out of bounds or malformed: each refused by the schema before anything is believed.
  const f4 = await forged(); await send(dock1, encodeHeartbeat(signed({ ...f4, cameras: Array.from({ length: 65 }, (_, i) => ({ ...body.cameras[0]!, deviceId: `cam-${i}` })) })));
  const f5 = await forged(); await send(dock1, encodeHeartbeat(signed({ ...f5, queue: { ...f5.queue, pulled: -1 } })));
  const f6 = await forged(); await send(dock1, JSON.stringify({ ...signed(f6), extra: 'x' }));
  const f7 = await forged(); await send(dock1, encodeHeartbeat(signed({ ...f7, cameras: [{ ...body.cameras[0]!, deviceId: 'cam/../x' }] })));
  const f8 = await forged(); await send(dock1, encodeHeartbeat(signed({ ...f8, at: new Date(clock + 3_600_000).toISOString() })));
  await send(dock1, Buffer.alloc(70 * 1024, 0x7b));
  await send(dock1, 'not json');
  // Another dock's connection may not publish on dock-1's topic (the broker drops it), even a message dock-1 signed.
  const dock2 = await connect(b, 'dock-2'); clients.push(dock2);
  const viaDock2 = await forged();
  await send(dock2, encodeHeartbeat(signed(viaDock2)));
  // A good one after all of them: once it is stored, every message before it was handled.
  const good = await next();
  await send(dock1, encodeHeartbeat(signed(good)));
  await storedSeq(good.seq);
  const all = await index.tx((u) => latestHeartbeats(u));
  t.deepEqual(all.map((h) => h.dockId), ['dock-1'], 'nothing stored for another dock');
  t.is(JSON.parse(all[0]!.bodyJson).queue.pulling, 1, 'the tampered count never landed');
  // dock-2's own heartbeat on its own topic is fine.
  const hb2 = new DockHeartbeat({ dockId: 'dock-2', identity: dockIdentity('dock-2'), journal: { all: () => [] }, spoolDir: spool, client: dock2, intervalMs: 0, log: quiet('hb2') });
  t.true(await hb2.beat());
  for (let i = 0; i < 400 && !(await index.tx((u) => latestHeartbeats(u))).some((h) => h.dockId === 'dock-2'); i++) await new Promise((r) => setTimeout(r, 25));
  t.deepEqual((await index.tx((u) => latestHeartbeats(u))).map((h) => h.dockId), ['dock-1', 'dock-2']);
});
