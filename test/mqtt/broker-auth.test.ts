// The broker lets no stranger in, and each dock only into its own topics: the same checks against the
// real mosquitto (config and ACL as `bodycam provision broker` writes them) and the embedded aedes.
import test, { type ExecutionContext } from 'ava';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createCA, issueCertificate } from '../../shared/pki/ca.js';
import { connectMqtt, mqttTlsOptions, type MqttTls } from '../../shared/mqtt/connect.js';
import { topics } from '../../shared/mqtt/topics.js';
import { startAedes } from '../helpers/aedes.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { BrokerAccess } from '../../hardware-sim/broker-pki.js';
import { defaultTestCa } from '../../hardware-sim/broker-pki.js';

type Broker = BrokerAccess & { port: number; stop(): Promise<void> };
const brokers: Record<string, () => Promise<Broker>> = { mosquitto: () => startMosquitto(), aedes: () => startAedes() };

/** Connect once, no reconnect: 'connected' or the reason it failed. */
async function tryConnect(url: string, o: IClientOptions): Promise<{ client?: MqttClient; error?: string }> {
  const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 20_000, ...o });
  return new Promise((resolve) => {
    const done = (r: { client?: MqttClient; error?: string }) => { clearTimeout(timer); resolve(r); };
    const timer = setTimeout(() => { c.end(true); done({ error: 'timeout' }); }, 25_000);
    c.once('connect', () => done({ client: c }));
    c.once('error', (err) => { c.end(true); done({ error: err.message }); });
    c.once('close', () => { if (!c.connected) done({ error: 'closed' }); });
  });
}

async function client(t: ExecutionContext, b: Broker, id: string, role: 'dock' | 'central'): Promise<MqttClient> {
  const c = await mqtt.connectAsync(b.url, { protocolVersion: 4, reconnectPeriod: 0, ...mqttTlsOptions(b.endpoint(id, role).tls) });
  t.teardown(() => c.endAsync(true));
  return c;
}

/** A publish the broker may refuse: mosquitto PUBACKs and drops it, aedes closes the connection. */
function publishRefusable(c: MqttClient, topic: string, payload: string): Promise<void> {
  return new Promise((resolve) => {
    if (!c.connected) { resolve(); return; } // already dropped for an earlier refusal
    const closed = () => resolve();
    c.once('close', closed);
    c.publishAsync(topic, payload, { qos: 1 }).catch(() => undefined).finally(() => { c.off('close', closed); resolve(); });
  });
}

/** The SUBACK's granted codes (mqtt.js rejects when any is 128, the refusal itself is what we want to see). */
async function subscribeGranted(c: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

/** Collect messages per topic; `until(topic)` resolves when one arrives there. */
function collect(c: MqttClient) {
  const got: string[] = [];
  const waiters = new Map<string, () => void>();
  c.on('message', (topic) => { got.push(topic); waiters.get(topic)?.(); });
  return { got, until: (topic: string) => new Promise<void>((r) => { if (got.includes(topic)) r(); else waiters.set(topic, r); }) };
}

for (const [name, start] of Object.entries(brokers)) {
  test(`${name}: no client certificate, a certificate from another CA, or plaintext: no connection`, async (t) => {
    const b = await start();
    t.teardown(() => b.stop());
    const ca = b.endpoint('dock-1').tls.ca;
    const anon = await tryConnect(b.url, { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined } as IClientOptions);
    t.truthy(anon.error, 'anonymous TLS client was let in');
    t.falsy(anon.client);
    const stranger = issueCertificate({ role: 'dock', id: 'dock-1', ca: createCA({ org: 'Test Broker Org' }) });
    const other = await tryConnect(b.url, mqttTlsOptions({ ca, cert: stranger.certPem, key: stranger.keyPem }));
    t.truthy(other.error, 'a dock-1 certificate from another CA was let in');
    const plain = await tryConnect(`mqtt://127.0.0.1:${b.port}`, {});
    t.truthy(plain.error, 'plaintext MQTT was answered');
    // And the real identity gets in: the refusals above are about the credentials, not the broker.
    const ok = await tryConnect(b.url, mqttTlsOptions(b.endpoint('dock-1').tls));
    t.truthy(ok.client, ok.error);
    await ok.client?.endAsync(true);
  });

  test(`${name}: dock-1 cannot publish under dock-2's prefix; a camera certificate named dock-1 publishes nothing`, async (t) => {
    const b = await start();
    t.teardown(() => b.stop());
    const central = await client(t, b, 'central-1', 'central');
    const seen = collect(central);
    await central.subscribeAsync(['bodycam/v1/+/clip/+/meta', 'bodycam/v1/+/device-log', 'bodycam/v1/+/wipe-cert'], { qos: 1 });
    const dock1 = await client(t, b, 'dock-1', 'dock');
    await publishRefusable(dock1, topics.meta('dock-2', 'clip-x'), '{"forged":true}');
    await publishRefusable(dock1, topics.deviceLog('dock-2'), '{"forged":true}');
    const fake = issueCertificate({ role: 'camera', id: 'dock-1', ca: defaultTestCa() });
    const cam = await tryConnect(b.url, mqttTlsOptions({ ca: b.endpoint('dock-1').tls.ca, cert: fake.certPem, key: fake.keyPem }));
    if (cam.client) {
      await publishRefusable(cam.client, topics.meta('dock-1', 'clip-cam'), '{"forged":true}');
      await cam.client.endAsync(true);
    }
    // A fresh dock-1 connection's own meta is the marker: what was refused before it never arrives.
    const dock1b = await client(t, b, 'dock-1', 'dock');
    await dock1b.publishAsync(topics.meta('dock-1', 'marker'), '{}', { qos: 1 });
    await seen.until(topics.meta('dock-1', 'marker'));
    t.deepEqual(seen.got, [topics.meta('dock-1', 'marker')]);
  });

  test(`${name}: a dock cannot read uploads (# or the upload topics) nor other docks' answers; it gets its own`, async (t) => {
    const b = await start();
    t.teardown(() => b.stop());
    const central = await client(t, b, 'central-1', 'central');
    const atCentral = collect(central);
    await central.subscribeAsync(['bodycam/v1/+/clip/+/meta', 'bodycam/v1/+/device-log'], { qos: 1 });
    const spy = await client(t, b, 'dock-1', 'dock');
    const spied = collect(spy);
    const granted = await subscribeGranted(spy, ['#', 'bodycam/v1/+/clip/+/meta', 'bodycam/v1/dock-2/device-log', 'bodycam/v1/dock-2/status/+',
      '$share/g/bodycam/v1/+/clip/+/meta', 'bodycam/v1/dock-1/status/+']);
    if (name === 'aedes') t.deepEqual(granted, [128, 128, 128, 128, 128, 1], 'aedes refuses the SUBSCRIBE itself');
    const dock2 = await client(t, b, 'dock-2', 'dock');
    await dock2.publishAsync(topics.meta('dock-2', 'c2'), '{"deviceId":"cam-7"}', { qos: 1 });
    await dock2.publishAsync(topics.deviceLog('dock-2'), '{"entries":[]}', { qos: 1 });
    await atCentral.until(topics.deviceLog('dock-2'));
    await central.publishAsync(topics.status('dock-2', 'c2'), '{}', { qos: 1 });
    await central.publishAsync(topics.status('dock-1', 'mine'), '{}', { qos: 1 });
    await spied.until(topics.status('dock-1', 'mine'));
    t.deepEqual(spied.got, [topics.status('dock-1', 'mine')], 'only its own status reached dock-1');
    // Central reads uploads but may not publish as a dock.
    const central2 = await client(t, b, 'central-1', 'central');
    await publishRefusable(central2, topics.meta('dock-2', 'as-central'), '{}');
    await dock2.publishAsync(topics.meta('dock-2', 'end'), '{}', { qos: 1 });
    await atCentral.until(topics.meta('dock-2', 'end'));
    t.false(atCentral.got.includes(topics.meta('dock-2', 'as-central')));
  });
}

test('the client factory refuses plaintext URLs, credentials in the URL, and missing certificates', (t) => {
  const tls: MqttTls = { ca: 'x', cert: 'y', key: 'z' };
  t.throws(() => connectMqtt({ url: 'mqtt://127.0.0.1:1883', tls }, {}), { message: /must be mqtts:\/\/ \(TLS\), got mqtt:/ });
  t.throws(() => connectMqtt({ url: 'mqtts://dock:secret@127.0.0.1:8883', tls }, {}), { message: /must not carry credentials/ });
  t.throws(() => connectMqtt({ url: 'mqtts://127.0.0.1:8883', tls: { ...tls, key: '' } }, {}), { message: /ca, cert and key are required/ });
});

test('a broker certificate of another role (a dock identity) is refused by the client', async (t) => {
  const ca = defaultTestCa();
  const b = await startAedes(0, { ca });
  t.teardown(() => b.stop());
  const { default: tls } = await import('node:tls');
  const dockAsServer = issueCertificate({ role: 'dock', id: 'dock-9', ca });
  const srv = tls.createServer({ key: dockAsServer.keyPem, cert: dockAsServer.certPem });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => srv.close());
  const port = (srv.address() as { port: number }).port;
  const r = await tryConnect(`mqtts://127.0.0.1:${port}`, mqttTlsOptions(b.endpoint('dock-1').tls));
  t.regex(r.error ?? '', /mqtt broker certificate: peer certificate: role is dock, expected broker/);
});

test('aedes: a revoked dock certificate is refused at connect; the others still connect', async (t) => {
  const { RevocationSet, serialOf } = await import('../../shared/pki/revocation.js');
  const { identityFor } = await import('../../hardware-sim/broker-pki.js');
  const b = await startAedes();
  t.teardown(() => b.stop());
  b.setRevocation(new RevocationSet({ v: 1, kind: 'revocation-list', number: 4, issuedAt: new Date().toISOString(),
    revoked: [{ serial: serialOf(identityFor(b.ca, 'dock', 'dock-2').certPem), reason: 'stolen', revokedAt: new Date().toISOString() }] }));
  const revoked = await tryConnect(b.url, mqttTlsOptions(b.endpoint('dock-2').tls));
  t.regex(revoked.error ?? '', /Not authorized|not authori[sz]ed/i);
  const ok = await tryConnect(b.url, mqttTlsOptions(b.endpoint('dock-1').tls));
  t.truthy(ok.client, ok.error);
  await ok.client?.endAsync(true);
});

test('mosquitto: a revoked dock certificate is refused in the TLS handshake (X.509 CRL from the signed list)', async (t) => {
  const { serialOf } = await import('../../shared/pki/revocation.js');
  const { identityFor } = await import('../../hardware-sim/broker-pki.js');
  const ca = defaultTestCa();
  const b = await startMosquitto({ ca, revocation: { v: 1, kind: 'revocation-list', number: 4, issuedAt: new Date().toISOString(),
    revoked: [{ serial: serialOf(identityFor(ca, 'dock', 'dock-2').certPem), reason: 'stolen', revokedAt: new Date().toISOString() }] } });
  t.teardown(() => b.stop());
  const revoked = await tryConnect(b.url, mqttTlsOptions(b.endpoint('dock-2').tls));
  t.truthy(revoked.error, 'the revoked dock-2 certificate was let in');
  t.falsy(revoked.client);
  const ok = await tryConnect(b.url, mqttTlsOptions(b.endpoint('dock-1').tls));
  t.truthy(ok.client, ok.error);
  await ok.client?.endAsync(true);
});
