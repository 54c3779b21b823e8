import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadStoreConfig, parseStoreConfig } from '../../central-store/config.js';
import { loadOrCreateSigningKey } from '../../central-store/signing-key.js';
import { signData, verifyData } from '../../shared/crypto.js';
import { tempDb } from './helpers.js';

const good = { storeId: 'store-1', dataDir: '/srv/bodycam', mqtt: { url: 'mqtts://127.0.0.1:8883', tls: { caPath: 'ca.pem', certPath: 'c.pem', keyPath: 'k.pem' } } };

test('defaults: lockout 5, log kept 6 months, retention hourly, purge daily, API on localhost', (t) => {
  const c = parseStoreConfig(good);
  t.is(c.lockoutAfter, 5); t.is(c.accessLogMonths, 6);
  t.deepEqual(c.jobs, { retentionEveryMinutes: 60, logPurgeEveryHours: 24 });
  t.is(c.api.host, '127.0.0.1'); t.is(c.mqtt.workers, 1);
});

test('errors name the field; the master key itself is refused in the config', (t) => {
  t.throws(() => parseStoreConfig({ ...good, mqtt: { ...good.mqtt, url: 'http://x' } }), { message: /^config\.mqtt\.url:/ });
  // Plaintext MQTT, credentials in the URL, or no client certificate: refused, naming the field.
  t.throws(() => parseStoreConfig({ ...good, mqtt: { ...good.mqtt, url: 'mqtt://127.0.0.1:1883' } }), { message: /^config\.mqtt\.url: an mqtts:\/\/ URL \(TLS; plaintext MQTT is refused\)/ });
  t.throws(() => parseStoreConfig({ ...good, mqtt: { ...good.mqtt, url: 'mqtts://central:secret@broker:8883' } }), { message: /^config\.mqtt\.url: a URL without credentials/ });
  t.throws(() => parseStoreConfig({ ...good, mqtt: { url: good.mqtt.url } }), { message: /^config\.mqtt\.tls:/ });
  t.throws(() => parseStoreConfig({ ...good, mqtt: { ...good.mqtt, tls: { caPath: 'ca.pem', certPath: 'c.pem' } } }), { message: /^config\.mqtt\.tls\.keyPath:/ });
  t.throws(() => parseStoreConfig({ ...good, mqtt: { ...good.mqtt, password: 'x' } }), { message: /^config\.mqtt:.*password/ });
  t.throws(() => parseStoreConfig({ ...good, api: { port: 70000 } }), { message: /^config\.api\.port:/ });
  t.throws(() => parseStoreConfig({ ...good, lockoutAfter: 0 }), { message: /^config\.lockoutAfter:/ });
  t.throws(() => parseStoreConfig({ ...good, masterKey: 'ab'.repeat(32) }), { message: /^config\.\(root\):.*masterKey/ });
  t.throws(() => parseStoreConfig({ ...good, api: { tls: { certPath: 'c' } } }), { message: /^config\.api\.tls\.keyPath:/ });
  t.throws(() => parseStoreConfig({ ...good, retention: { defaultDays: 60 } }), { message: /^config\.retention\.defaultDays: at most 30 days/ });
  t.throws(() => loadStoreConfig('/nonexistent/store.json'), { message: /^config: cannot read/ });
});

test('relative paths are relative to the config file', async (t) => {
  const { dir } = await tempDb(t);
  const f = path.join(dir, 'store.json');
  writeFileSync(f, JSON.stringify({ ...good, dataDir: 'data', masterKeyFile: '../master.key' }));
  const c = loadStoreConfig(f);
  t.is(c.dataDir, path.join(dir, 'data'));
  t.is(c.masterKeyFile, path.join(path.dirname(dir), 'master.key'));
});

test('signing key: generated once, stored only sealed, reopened with the master key and refused with another', async (t) => {
  const { dir } = await tempDb(t);
  const master = randomBytes(32);
  const file = path.join(dir, 'signing-key.sealed.json');
  const pub = path.join(dir, 'pub.pem');
  const a = await loadOrCreateSigningKey(file, pub, master);
  const sealed = readFileSync(file, 'utf8');
  t.false(sealed.includes('PRIVATE KEY'));
  t.false(sealed.includes(a.privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(16).toString('base64').slice(0, 20)));
  const b = await loadOrCreateSigningKey(file, pub, master);
  const sig = signData(b.privateKey, Buffer.from('x'));
  t.true(verifyData(readFileSync(pub, 'utf8'), Buffer.from('x'), sig));
  t.true(verifyData(a.publicKey, Buffer.from('x'), sig));
  await t.throwsAsync(loadOrCreateSigningKey(file, pub, randomBytes(32)), { message: /does not open with this master key/ });
});

test('api.login: defaults for throttling and the scrypt queue; a bad value names the field', (t) => {
  const c = parseStoreConfig(good);
  t.deepEqual(c.api.login, { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 900_000, maxSources: 10_000, perSourceInFlight: 2, maxConcurrent: 2, maxQueued: 32, queueTimeoutMs: 5000 });
  t.is(parseStoreConfig({ ...good, api: { login: { maxConcurrent: 4 } } }).api.login.maxQueued, 32);
  t.throws(() => parseStoreConfig({ ...good, api: { login: { maxConcurrent: 0 } } }), { message: /^config\.api\.login\.maxConcurrent:/ });
  t.throws(() => parseStoreConfig({ ...good, api: { login: { bogus: 1 } } }), { message: /^config\.api\.login/ });
});
