// Epoch key custody: private keys only encrypted at rest, the wrong master key refused, imports from
// the fleet simulator, epoch documents the org CA signs and cameras verify, destruction with a receipt.
import test from 'ava';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyStore, masterKeyFromPassphrase, readMasterKeyFile } from '../../central-store/keys.js';
import { verifyKeyDestruction } from '../../central-store/evidence.js';
import { openDocument, type EvidenceEpochBody } from '../../shared/evidence.js';
import { createCA } from '../../shared/pki/ca.js';
import { decryptBuffer } from '../../shared/clip/reader.js';
import { createFleetPki } from '../../hardware-sim/fleet/pki.js';
import { publishUpcomingEpochs } from '../../central-store/epochs.js';
import { run as pkiCli, writeCA } from '../../tools/pki.js';
import { DAY, T0, addClip, code, epochAt, iso, makeStore, readAll } from './store-helpers.js';

test('private keys are on disk only encrypted; reopening with the same master key opens them', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const c = await addClip(f, { epoch: e, startedAt: T0 });
  const priv = await f.store.keys.privateKey(e.epochId);
  const der = priv.export({ type: 'pkcs8', format: 'der' });
  const pem = (priv.export({ type: 'pkcs8', format: 'pem' }) as string).split('\n')[5]!;
  const keyDir = path.join(f.dir, 'keys');
  for (const n of readdirSync(keyDir)) {
    const bytes = readFileSync(path.join(keyDir, n));
    t.false(bytes.includes(der.subarray(40, 72)), `${n}: no raw private key bytes`);
    t.false(bytes.includes(pem), `${n}: no PEM private key`);
    t.false(bytes.includes(der.subarray(40, 72).toString('base64').slice(4, 28)), `${n}: no base64 of it either`);
    t.is(statSync(path.join(keyDir, n)).mode & 0o077, 0, `${n}: not readable by group/others`);
  }
  f.store.close();
  const again = await f.open();
  t.true((await readAll(await again.openPlaintext(c.clipId))).equals(c.plaintext));
});

test('the wrong master key is refused at open, and a swapped key file does not decrypt', async (t) => {
  const f = await makeStore(t);
  const a = await epochAt(f, T0);
  const b = await epochAt(f, T0 + DAY);
  f.store.close();
  t.regex(await code(f.open({ masterKey: Buffer.alloc(32, 8) })), /^bad-master-key: master key does not open this key store/);
  t.regex(await code(f.open({ masterKey: Buffer.alloc(16) })), /^bad-input: masterKey/);
  const keyDir = path.join(f.dir, 'keys');
  copyFileSync(path.join(keyDir, `epoch.${a.epochId}.key`), path.join(keyDir, `epoch.${b.epochId}.key`));
  const s = await f.open();
  t.truthy(await s.keys.privateKey(a.epochId));
  t.regex(await code(() => s.keys.privateKey(b.epochId)), /^bad-master-key: .*altered\/swapped/);
});

test('master key from a passphrase (scrypt) and from a key file kept outside the store', async (t) => {
  const f = await makeStore(t);
  const keysDir = path.join(f.dir, 'keys');
  const k1 = await masterKeyFromPassphrase('correct horse battery staple', keysDir);
  const k2 = await masterKeyFromPassphrase('correct horse battery staple', keysDir);
  const k3 = await masterKeyFromPassphrase('correct horse battery stapler', keysDir);
  t.true(k1.equals(k2));
  t.false(k1.equals(k3));
  t.is(k1.length, 32);
  const inside = path.join(f.dir, 'master.key');
  writeFileSync(inside, k1.toString('hex'));
  t.regex(await code(() => readMasterKeyFile(inside, f.dir)), /^bad-input: master key file: must not be stored beside the keys/);
  const outside = path.join(path.dirname(f.dir), `${path.basename(f.dir)}-kms.key`);
  writeFileSync(outside, k1);
  t.teardown(() => rmSync(outside, { force: true }));
  t.true(readMasterKeyFile(outside, f.dir).equals(k1));
  t.regex(await code(() => readMasterKeyFile(outside, f.dir, path.dirname(outside))), /^bad-input: master key file: must not be stored beside the keys .* is under /, 'nor in a keys directory outside the store');
});

test('epochs: generated bodies are signed by the org CA and verify; fleet-made keys are imported', async (t) => {
  const f = await makeStore(t);
  const ca = createCA({ org: 'Test Org' });
  const body = await f.store.keys.createEpoch({ epochId: 'epoch-x', notBefore: iso(T0), notAfter: iso(T0 + DAY) });
  const doc = KeyStore.signEpoch(body, ca.keyPem);
  const caPub = createPublicKey(ca.keyPem);
  t.deepEqual(openDocument<EvidenceEpochBody>(doc, caPub, 'evidence-epoch'), body);
  t.regex(await code(f.store.keys.createEpoch({ epochId: 'epoch-y', notBefore: iso(T0 + DAY), notAfter: iso(T0) })), /^bad-input: notAfter/);
  t.regex(await code(f.store.keys.createEpoch({ epochId: '../etc', notBefore: iso(T0), notAfter: iso(T0 + DAY) })), /^bad-input: epochId/);

  const fleet = createFleetPki(T0, 1);
  for (const e of fleet.epochs) {
    const b = await f.store.keys.importEpoch({ epochId: e.epochId, privateKey: e.privateKey, notBefore: iso(e.notBefore), notAfter: iso(e.notAfter) });
    t.is(b.publicKeyPem, JSON.parse(e.doc.body).publicKeyPem);
    // Idempotent; a different key under the same id is refused.
    await f.store.keys.importEpoch({ epochId: e.epochId, privateKey: e.privateKey, notBefore: iso(e.notBefore), notAfter: iso(e.notAfter) });
  }
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const e0 = fleet.epochs[0]!;
  t.regex(await code(f.store.keys.importEpoch({ epochId: e0.epochId, privateKey: other, notBefore: iso(e0.notBefore), notAfter: iso(e0.notAfter) })), /^exists/);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  t.regex(await code(f.store.keys.importEpoch({ epochId: 'epoch-small', privateKey: small, notBefore: iso(T0), notAfter: iso(T0 + DAY) })), /^bad-input: privateKey: RSA modulus/);
  const days = await f.store.keys.ensureDailyEpochs(T0 + 5 * DAY, 2);
  t.deepEqual(days.map((d) => d.epochId), ['epoch-2026-03-07', 'epoch-2026-03-08']);
  t.deepEqual((await f.store.keys.ensureDailyEpochs(T0 + 5 * DAY, 2)).map((d) => d.publicKeyPem), days.map((d) => d.publicKeyPem), 'no duplicates');
});

test('destroy: key file overwritten and unlinked, receipt signed, clip unreadable, idempotent', async (t) => {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const c = await addClip(f, { epoch: e, startedAt: T0 });
  const copy = readFileSync(f.blobs.pathOf(c.clipId));
  const priv = await f.store.keys.privateKey(e.epochId);
  t.true(decryptBuffer(copy, priv).plaintext.equals(c.plaintext), 'readable before');
  const doc = await f.store.keys.destroy(e.epochId, 'test');
  const body = verifyKeyDestruction(doc, f.signing.publicKey);
  t.like(body, { keyName: e.epochId, keyKind: 'epoch', rule: 'test', notBefore: iso(T0), notAfter: iso(T0 + DAY) });
  t.false(readdirSync(path.join(f.dir, 'keys')).some((n) => n.includes(e.epochId)));
  t.regex(await code(() => f.store.keys.privateKey(e.epochId)), /^key-destroyed/);
  t.regex(await code(f.store.openPlaintext(c.clipId)), /^key-destroyed: .*can no longer be decrypted/);
  t.is((await f.store.keys.destroy(e.epochId, 'again')).body, doc.body, 'second destroy returns the first receipt');
  // Reopened, it stays destroyed.
  f.store.close();
  const s = await f.open();
  t.regex(await code(() => s.keys.privateKey(e.epochId)), /^key-destroyed/);
});

test('upcoming epochs: made ahead at the store, public halves published, signed by bodycam pki sign-epoch, cameras\' clips open', async (t) => {
  const f = await makeStore(t);
  const out = path.join(f.dir, 'epochs');
  t.deepEqual(await publishUpcomingEpochs(f.store.keys, T0 + 5 * 3600_000, 3, out), ['epoch-2026-03-02', 'epoch-2026-03-03', 'epoch-2026-03-04']);
  t.deepEqual(await publishUpcomingEpochs(f.store.keys, T0 + DAY, 3, out), ['epoch-2026-03-05'], 'a day later only the new day');
  for (const n of readdirSync(out)) t.false(readFileSync(path.join(out, n), 'utf8').includes('PRIVATE'), `${n}: public only`);
  t.true(readdirSync(path.join(f.dir, 'keys')).includes('epoch.epoch-2026-03-05.key'), 'private half sealed in keys/');
  // The CA operator signs a published epoch offline with the CLI, from the two published files.
  const ca = createCA({ org: 'Test Org' });
  const pki = path.join(f.dir, 'pki');
  mkdirSync(pki);
  const passFile = path.join(f.dir, 'ca.pass');
  writeFileSync(passFile, 'CA passphrase for this test\n');
  writeCA(pki, ca, 'CA passphrase for this test');
  const body = JSON.parse(readFileSync(path.join(out, 'epoch-2026-03-03.json'), 'utf8')) as EvidenceEpochBody;
  const signed = path.join(f.dir, 'signed.json');
  t.is(await pkiCli(['sign-epoch', '--pki', pki, '--id', body.epochId, '--public-key', path.join(out, `${body.epochId}.pub.pem`),
    '--not-before', body.notBefore, '--not-after', body.notAfter, '--out', signed, '--passphrase-file', passFile]), 0);
  t.deepEqual(openDocument<EvidenceEpochBody>(JSON.parse(readFileSync(signed, 'utf8')), createPublicKey(ca.keyPem), 'evidence-epoch'), body);
  // A clip a camera wraps to that public key opens with the store's sealed private key.
  const c = await addClip(f, { epoch: { epochId: body.epochId, publicKeyPem: body.publicKeyPem }, startedAt: T0 + DAY });
  t.true((await readAll(await f.store.openPlaintext(c.clipId))).equals(c.plaintext));
});
