// Revocation list distribution: central publishes the CA-signed list retained on bodycam/v1/crl, a dock
// keeps the newest one it can verify; a dock cannot publish one; central drops a revoked dock's uploads.
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startCrlPublisher } from '../../central-store/crl-publisher.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { defaultTestCa, identityFor } from '../../hardware-sim/broker-pki.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { CRL_TOPIC } from '../../shared/mqtt/topics.js';
import { createCA } from '../../shared/pki/ca.js';
import { RevocationStore } from '../../shared/pki/revocation-store.js';
import { RevocationSet, serialOf, signRevocationList, type RevocationListBody } from '../../shared/pki/revocation.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { makeCentral, makeClip, quiet } from './setup.js';
import { dockAuthFor } from '../helpers/pki.js';
import { clipIn } from '../helpers/index-read.js';

const ca = defaultTestCa();
const list = (number: number, entries: RevocationListBody['revoked'] = []): RevocationListBody =>
  ({ v: 1, kind: 'revocation-list', number, issuedAt: new Date().toISOString(), revoked: entries });
const entry = (serial: string, role?: 'dock' | 'camera', id?: string) => ({ serial, reason: 'lost', revokedAt: new Date().toISOString(), ...(role ? { role, id } : {}) });

test('RevocationStore: keeps only newer verified lists, persists them, reloads, refuses a forged one', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'crl-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'crl.json');
  const s = new RevocationStore(file, ca.certPem);
  t.is(s.number, 0);
  t.deepEqual(s.offer(signRevocationList(list(2, [entry('aa')]), ca.keyPem)), { installed: true, number: 2 });
  t.deepEqual(s.offer(signRevocationList(list(1), ca.keyPem)), { installed: false, number: 2, reason: 'older' });
  t.deepEqual(s.offer(signRevocationList(list(2), ca.keyPem)), { installed: false, number: 2, reason: 'same' });
  t.throws(() => s.offer(signRevocationList(list(9), createCA().keyPem)), { message: /signature does not verify/ });
  t.is(s.number, 2);
  const again = new RevocationStore(file, ca.certPem);
  t.is(again.number, 2, 'reloaded from disk');
  const doc = JSON.parse(await readFile(file, 'utf8')) as { body: string };
  await writeFile(file, JSON.stringify({ ...doc, body: doc.body.replace('"aa"', '"ab"') }));
  t.throws(() => new RevocationStore(file, ca.certPem), { message: /crl\.json: .*signature does not verify/ });
});

test('mosquitto: central publishes the list retained, a dock installs it; a dock cannot publish one', async (t) => {
  const b = await startMosquitto({ ca });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'crl-'));
  t.teardown(async () => { await b.stop(); await rm(dir, { recursive: true, force: true }); });
  const file = path.join(dir, 'crl.json');
  await writeFile(file, JSON.stringify(signRevocationList(list(3, [entry('abc', 'camera', 'cam-9')]), ca.keyPem)));
  const pub = startCrlPublisher({ mqtt: b.endpoint('central-1', 'central'), file, storeId: 's', log: quiet('crl'), pollMs: 100 });
  t.teardown(() => pub.close());
  t.is(pub.current().number, 3);
  // A rogue dock tries to push its own (older, validly CA-signed: a replay) list to everyone.
  const rogue = await mqtt.connectAsync(b.url, { protocolVersion: 4, reconnectPeriod: 0, ...mqttTlsOptions(b.endpoint('dock-1').tls) });
  t.teardown(() => rogue.endAsync(true));
  await rogue.publishAsync(CRL_TOPIC, JSON.stringify(signRevocationList(list(1), ca.keyPem)), { qos: 1, retain: true });

  const store = new RevocationStore(path.join(dir, 'dock-crl.json'), ca.certPem);
  const seen: number[] = [];
  let got!: () => void;
  const installed = new Promise<void>((r) => { got = r; });
  const up = new Uploader({ ...dockAuthFor('dock-2'), mqtt: b.endpoint('dock-2'), dockId: 'dock-2', centralPublicKey: identityFor(ca, 'central', 'x').certPem, log: quiet('up'),
    onRevocationList: (doc) => { const r = store.offer(doc); seen.push(r.number); if (store.number === 4) got(); } });
  t.teardown(() => up.close());
  await up.ready();
  // A newer file is picked up and published again.
  await writeFile(file, JSON.stringify(signRevocationList(list(4, [entry('abc', 'camera', 'cam-9'), entry('def', 'dock', 'dock-7')]), ca.keyPem)));
  await installed;
  t.is(store.number, 4);
  t.true(seen.every((n) => n >= 3), `the dock never held the rogue's list #1: ${seen.join(',')}`);
  t.truthy(store.current().revokedId('dock', 'dock-7'));
});

test('central drops every message of a revoked dock id; other docks deliver', async (t) => {
  const b = await startMosquitto({ ca });
  const central = await makeCentral(b);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'crl-ingest-'));
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(dir, { recursive: true, force: true }); });
  const revoked = new RevocationSet(list(5, [entry(serialOf(identityFor(ca, 'dock', 'dock-2').certPem), 'dock', 'dock-2')]));
  await central.start({ revocation: () => revoked });
  const good = await makeClip(dir, 100_000);
  const bad = await makeClip(dir, 100_000);
  const up1 = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, statusTimeoutMs: 500, log: quiet('up1') });
  const up2 = new Uploader({ ...dockAuthFor('dock-2'), mqtt: b.endpoint('dock-2'), dockId: 'dock-2', centralPublicKey: central.publicKey, statusTimeoutMs: 500, maxBackoffMs: 500, log: quiet('up2') });
  t.teardown(async () => { await up1.close(); await up2.close(); });
  const stuck = up2.upload(bad.clip, bad.file).then(() => 'receipted', () => 'closed');
  await up1.upload(good.clip, good.file);
  // dock-1's clip went all the way while dock-2 kept asking: nothing of dock-2's reached the index.
  t.truthy(await clipIn(central.db, good.clip.clipId));
  t.falsy(await clipIn(central.db, bad.clip.clipId));
  await up2.close();
  t.is(await stuck, 'closed');
});
