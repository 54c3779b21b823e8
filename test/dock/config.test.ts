import test from 'ava';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDockConfig, loadEpochsDir, parseDockConfig } from '../../dock-agent/config.js';
import { ConfigError } from '../../shared/config.js';
import { tmpDir } from '../mqtt/setup.js';

const good = {
  dockId: 'dock-1', mqttUrl: 'mqtts://broker.example:8883', centralPublicKeyPath: '/k.pem', spoolDir: '/s', journalPath: '/j.db', epochsDir: '/e',
  usb: { vendorId: 0x1d6b, productId: 0x0104 }, auth: { certPath: 'c', keyPath: 'k', caCertPath: 'ca' },
};

test('defaults: 256 KiB chunks, 8 bays, back-off', (t) => {
  const c = parseDockConfig(good);
  t.is(c.chunkSize, 262144);
  t.is(c.bays, 8);
  t.deepEqual(c.backoff, { initialMs: 500, maxMs: 60000 });
  t.deepEqual(c.serial, { baudRate: 115200, readBytes: 262144, window: 4 });
});

test('errors name the field', (t) => {
  t.throws(() => parseDockConfig({ ...good, mqttUrl: 'http://x' }), { message: /^config\.mqttUrl:/ });
  t.throws(() => parseDockConfig({ ...good, mqttUrl: 'mqtt://127.0.0.1:1883' }), { message: /^config\.mqttUrl: an mqtts:\/\/ URL \(TLS; plaintext MQTT is refused\)/ });
  t.throws(() => parseDockConfig({ ...good, mqttUrl: 'mqtts://dock:pw@broker:8883' }), { message: /^config\.mqttUrl: a URL without credentials/ });
  t.throws(() => parseDockConfig({ ...good, mqttTls: { serverName: '' } }), { message: /^config\.mqttTls\.serverName:/ });
  t.throws(() => parseDockConfig({ ...good, mqttTls: { username: 'x' } }), { message: /^config\.mqttTls:.*username/ });
  t.throws(() => parseDockConfig({ ...good, chunkSize: 100 }), { message: /^config\.chunkSize:/ });
  t.throws(() => parseDockConfig({ ...good, serial: { readBytes: 2 * 1024 * 1024 } }), { message: /^config\.serial\.readBytes:/ });
  t.throws(() => parseDockConfig({ ...good, dockId: 'a/b' }), { message: /^config\.dockId:/ });
  t.throws(() => parseDockConfig({ ...good, usb: { vendorId: 1 } }), { message: /^config\.usb\.productId:/ });
  t.throws(() => loadDockConfig('/nonexistent/dock.json'), { message: /^config: cannot read/, instanceOf: ConfigError });
  // Unknown fields are refused by name (a typo must not silently fall back to a default), at any depth.
  t.throws(() => parseDockConfig({ ...good, chunkSise: 4096 }), { instanceOf: ConfigError, message: /^config\.\(root\): Unrecognized key.*"chunkSise"/ });
  t.throws(() => parseDockConfig({ ...good, auth: { ...good.auth, password: 'x' } }), { message: /^config\.auth: Unrecognized key.*"password"/ });
  t.throws(() => parseDockConfig({ ...good, usb: { ...good.usb, bus: 1 } }), { message: /^config\.usb: Unrecognized key.*"bus"/ });
  t.throws(() => parseDockConfig({ ...good, backoff: { initialMs: 100, max: 1 } }), { message: /^config\.backoff: Unrecognized key.*"max"/ });
  t.throws(() => parseDockConfig({ ...good, serial: { baud: 9600 } }), { message: /^config\.serial: Unrecognized key.*"baud"/ });
  t.throws(() => parseDockConfig({ ...good, firmware: { dropDir: '/d', keysDir: '/k', keyDir: '/k' } }), { message: /^config\.firmware: Unrecognized key.*"keyDir"/ });
  // Every bad field at once, as the firmware and the store report them (shared/config.ts).
  const e = t.throws(() => parseDockConfig({ ...good, chunkSize: 100, dockId: 'a/b' }), { instanceOf: ConfigError });
  t.regex(e!.message, /config\.dockId: .*; config\.chunkSize: /);
});

test('epochs dir: *.json SignedDocuments in name order; a bad one is named', async (t) => {
  const dir = await tmpDir('epochs-');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.deepEqual(await loadEpochsDir(path.join(dir, 'missing')), []);
  await mkdir(path.join(dir, 'e'));
  await writeFile(path.join(dir, 'e', '2.json'), JSON.stringify({ body: 'b2', sig: 's', keyId: 'k' }));
  await writeFile(path.join(dir, 'e', '1.json'), JSON.stringify({ body: 'b1', sig: 's', keyId: 'k' }));
  await writeFile(path.join(dir, 'e', 'notes.txt'), 'ignored');
  t.deepEqual((await loadEpochsDir(path.join(dir, 'e'))).map((d) => d.body), ['b1', 'b2']);
  await writeFile(path.join(dir, 'e', '3.json'), JSON.stringify({ body: 'b3' }));
  await t.throwsAsync(loadEpochsDir(path.join(dir, 'e')), { message: /3\.json: sig/ });
});
