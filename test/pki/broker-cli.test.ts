// `bodycam provision broker` end to end: the files it writes run a real mosquitto that admits the
// provisioned dock and central identities only, and a re-run admits a dock added later.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { topics } from '../../shared/mqtt/topics.js';
import { loadTrustStore } from '../../shared/pki/trust-store.js';
import { freePort, handToBrokerUser, waitForPort } from '../../hardware-sim/mosquitto.js';

const bodycam = (...args: string[]) => spawnSync(process.execPath, ['--import=tsx', 'tools/bodycam.ts', ...args],
  { encoding: 'utf8', env: { ...process.env, BODYCAM_CA_PASSPHRASE: 'broker test passphrase' } });

test('provision broker: TLS-only config and ACL; only provisioned docks publish; a re-run adds a dock', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'broker-cli-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const pki = join(root, 'pki');
  t.is(bodycam('pki', 'init', '--dir', pki, '--org', 'Vagt, Øst A/S').status, 0);
  for (const [role, id] of [['dock', 'dock-1'], ['dock', 'dock-2'], ['central', 'central-1']]) {
    const r = bodycam('provision', role!, '--id', id!, '--pki', pki, '--out', join(root, id!));
    t.is(r.status, 0, r.stderr);
  }
  const port = await freePort();
  const out = join(root, 'broker');
  const provision = (docks: string) => bodycam('provision', 'broker', '--pki', pki, '--out', out, '--docks', docks, '--central', 'central-1',
    '--host', 'localhost', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1');
  const r1 = provision('dock-1');
  t.is(r1.status, 0, r1.stderr);
  t.deepEqual((await readdir(out)).sort(), ['acl', 'broker.cert.pem', 'broker.key.pem', 'ca.pem', 'mosquitto.conf']);
  t.is(statSync(join(out, 'broker.key.pem')).mode & 0o777, 0o600);
  const conf = readFileSync(join(out, 'mosquitto.conf'), 'utf8');
  t.is(conf.match(/^listener /gm)?.length, 1, 'one listener only');
  for (const line of ['allow_anonymous false', 'require_certificate true', 'use_subject_as_username true', `listener ${port} 127.0.0.1`]) t.true(conf.includes(`\n${line}\n`), line);
  t.notRegex(conf, /allow_anonymous true|password_file/);
  // The organisation name needs RFC 2253 escaping in the username: the real broker is the check.
  t.regex(readFileSync(join(out, 'acl'), 'utf8'), /^user O=Vagt\\, \\C3\\98st A\/S,OU=dock,CN=dock-1$/m);

  await chmod(root, 0o711); // mosquitto (dropped to its own user when started as root) must reach out/
  await handToBrokerUser(out, ['acl', 'broker.cert.pem', 'broker.key.pem', 'ca.pem', 'mosquitto.conf'].map((f) => join(out, f)));
  const mosq = spawn('mosquitto', ['-c', join(out, 'mosquitto.conf')], { stdio: 'ignore' });
  t.teardown(() => { mosq.kill('SIGKILL'); });
  await waitForPort(port, 5000);
  const url = `mqtts://127.0.0.1:${port}`;
  const as = async (id: string): Promise<MqttClient> => {
    const s = loadTrustStore(join(root, id));
    const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...mqttTlsOptions({ ca: s.caCertPem, cert: s.certPem, key: s.keyPem }) });
    t.teardown(() => c.endAsync(true));
    return c;
  };
  const central = await as('central-1');
  const got: string[] = [];
  const waiting = new Map<string, () => void>();
  central.on('message', (topic) => { got.push(topic); waiting.get(topic)?.(); });
  const arrival = (topic: string) => new Promise<void>((r) => waiting.set(topic, r));
  await central.subscribeAsync('bodycam/v1/+/clip/+/meta', { qos: 1 });
  const dock1 = await as('dock-1');
  const dock2 = await as('dock-2');
  await dock2.publishAsync(topics.meta('dock-2', 'early'), '{}', { qos: 1 });
  let a = arrival(topics.meta('dock-1', 'one'));
  await dock1.publishAsync(topics.meta('dock-1', 'one'), '{}', { qos: 1 });
  await a;
  t.deepEqual(got, [topics.meta('dock-1', 'one')], 'dock-2 is not in the ACL yet');

  const certBefore = readFileSync(join(out, 'broker.cert.pem'), 'utf8');
  const r2 = provision('dock-1,dock-2');
  t.is(r2.status, 0, r2.stderr);
  t.is(readFileSync(join(out, 'broker.cert.pem'), 'utf8'), certBefore, 'the server certificate is kept on a re-run');
  await chmod(root, 0o711); // mosquitto (dropped to its own user when started as root) must reach out/
  await handToBrokerUser(out, [join(out, 'acl')]);
  mosq.kill('SIGHUP');
  // mosquitto re-reads the ACL on SIGHUP; dock-2 retries until its meta gets through.
  a = arrival(topics.meta('dock-2', 'later'));
  const retry = setInterval(() => void dock2.publishAsync(topics.meta('dock-2', 'later'), '{}', { qos: 1 }).catch(() => undefined), 200);
  t.teardown(() => clearInterval(retry));
  await a;
  clearInterval(retry);
  t.false(got.includes(topics.meta('dock-2', 'early')));
});

test('provision broker names what is missing or wrong', (t) => {
  const r = bodycam('provision', 'broker', '--pki', '/nonexistent', '--out', '/tmp/x', '--docks', 'dock-1');
  t.is(r.status, 1);
  t.regex(r.stderr, /--central is required/);
  const r2 = bodycam('provision', 'broker', '--pki', '/nonexistent', '--out', '/tmp/x', '--central', 'c', '--port', '99999');
  t.regex(r2.stderr, /--port: 99999 is not a TCP port/);
});
