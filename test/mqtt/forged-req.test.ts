// A forger holding a dock's broker identity (not its key) sends metas on the dock's topic with the
// request number the dock itself uses. Central must not answer them: the dock matches answers by
// clip id and req, so a refusal of the forgery would be taken as the refusal of the dock's own ask
// and the real upload would give up (docs/threat-model.md, "Answers only to the dock").
// Real mosquitto with TLS client certificates, the real ingest.
import test from 'ava';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import mqtt from 'mqtt';
import { StatusSchema, decodeJson, encodeJson, metaFacts, type Status } from '../../shared/mqtt/codec.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { signDockAuth } from '../../shared/mqtt/dock-auth.js';
import { topics } from '../../shared/mqtt/topics.js';
import { incidentsIn } from '../helpers/index-read.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { cameraCertB64, dockIdentity } from '../helpers/pki.js';
import { makeCentral, makeClip, tmpDir, type Central } from './setup.js';

let broker: Mosquitto;
let central: Central;
let spool: string;
const stranger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

test.before(async () => {
  broker = await startMosquitto();
  central = await makeCentral(broker);
  spool = await tmpDir('forged-req-');
  await central.start();
});
test.after.always(async () => {
  await central?.cleanup();
  await broker?.stop();
  if (spool) await rm(spool, { recursive: true, force: true });
});

test('metas the dock did not sign get no answer; the dock\'s own ask with the same req gets the first answer', async (t) => {
  const real = await makeClip(spool, 200_000, 'cam-1');
  const clipId = real.clip.clipId;
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: `thief-${randomUUID().slice(0, 8)}`, ...mqttTlsOptions(broker.endpoint('dock-1').tls) });
  t.teardown(() => c.endAsync(true));
  const answers: Status[] = [];
  const first = new Promise<void>((resolve) => c.on('message', (_t, p) => { answers.push(decodeJson(StatusSchema, p, 'status')); resolve(); }));
  await c.subscribeAsync(topics.status('dock-1', clipId), { qos: 1 });

  const facts = { dockId: 'dock-1', clipId, bytes: real.clip.bytes, sha256: real.clip.sha256!, chunkSize: 65536 };
  const meta = (auth: object) => encodeJson({ v: 2, ...facts, chunkCount: Math.ceil(real.clip.bytes / 65536), req: 1, ...auth });
  const forgeries = [
    signDockAuth({ keyPem: stranger, certPem: dockIdentity('dock-1').certPem }, 'upload', metaFacts(facts), cameraCertB64('cam-1')), // dock-1's certificate, another key
    signDockAuth(dockIdentity('dock-2'), 'upload', metaFacts(facts), cameraCertB64('cam-1')), // another dock's certificate and key
    { dockCert: 'AAAA', cameraCert: cameraCertB64('cam-1'), dockSig: 'AAAA' }, // no certificate at all
  ];
  // Same connection, QoS 1: central sees the forgeries first, then the dock's own ask.
  for (const f of forgeries) await c.publishAsync(topics.meta('dock-1', clipId), meta(f), { qos: 1 });
  await c.publishAsync(topics.meta('dock-1', clipId), meta(signDockAuth(dockIdentity('dock-1'), 'upload', metaFacts(facts), cameraCertB64('cam-1'))), { qos: 1 });
  await first;
  t.is(answers[0]!.state, 'missing', `the first answer on req 1 is to the dock's ask: ${JSON.stringify(answers[0])}`);
  t.false(answers.some((a) => a.state === 'rejected'), JSON.stringify(answers));
  const refused = await incidentsIn(central.db!, { kind: 'upload-refused', clipId });
  t.is(refused.length, forgeries.length, 'each forgery is an incident for the evidence officer');
  t.true(refused.some((i) => /dock signature does not verify/.test(i.reason)), refused.map((i) => i.reason).join('\n'));
});
