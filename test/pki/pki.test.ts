import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createCA, issueCertificate, signEpoch } from '../../shared/pki/ca.js';
import { verifyPeerCertificate } from '../../shared/pki/verify.js';
import { loadTrustStore } from '../../shared/pki/trust-store.js';
import { openDocument } from '../../shared/evidence.js';

const ca = createCA({ org: 'Test Org' });

test('issued certificates verify with X509Certificate against the CA, with role and id', (t) => {
  const dock = issueCertificate({ role: 'dock', id: 'dock-3', ca });
  const v = verifyPeerCertificate(dock.certPem, ca.certPem, 'dock');
  t.is(v.id, 'dock-3');
  t.regex(v.fingerprint, /^[0-9a-f]{64}$/);
  t.throws(() => verifyPeerCertificate(dock.certPem, ca.certPem, 'camera'), { message: /role is dock, expected camera/ });
  t.throws(() => verifyPeerCertificate(dock.certPem, createCA().certPem, 'dock'), { message: /not issued by the organisation CA/ });
  t.throws(() => verifyPeerCertificate(dock.certPem, ca.certPem, 'dock', Date.now() + 900 * 86_400_000), { message: /expired/ });
  t.throws(() => verifyPeerCertificate(ca.certPem, ca.certPem, 'dock'), { message: /is a CA certificate/ });
  t.throws(() => verifyPeerCertificate('garbage', ca.certPem, 'dock'), { message: /not a parseable/ });
  t.throws(() => issueCertificate({ role: 'camera', id: '../etc', ca }), { message: /^id:/ });
});

test('two identities never share a key', (t) => {
  const a = issueCertificate({ role: 'camera', id: 'c1', ca });
  const b = issueCertificate({ role: 'camera', id: 'c1', ca });
  t.not(a.keyPem, b.keyPem);
  t.not(new X509Certificate(a.certPem).serialNumber, new X509Certificate(b.certPem).serialNumber);
});

test('signEpoch produces a document the CA public key opens; rejects a bad body', (t) => {
  const pub = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const doc = signEpoch({ v: 1, kind: 'evidence-epoch', epochId: 'e1', publicKeyPem: pub, notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-02-01T00:00:00Z' }, ca.keyPem);
  t.is(openDocument<{ kind: string; epochId: string }>(doc, new X509Certificate(ca.certPem).publicKey, 'evidence-epoch').epochId, 'e1');
  t.throws(() => signEpoch({ v: 1, kind: 'evidence-epoch', epochId: 'e2', publicKeyPem: pub, notBefore: '2026-03-01T00:00:00Z', notAfter: '2026-02-01T00:00:00Z' }, ca.keyPem), { message: /notBefore/ });
});

const CA_PASS = 'test CA passphrase, long enough';
function bodycam(...args: string[]) {
  return bodycamEnv({ BODYCAM_CA_PASSPHRASE: CA_PASS }, ...args);
}
function bodycamEnv(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ['--import=tsx', 'tools/bodycam.ts', ...args], { encoding: 'utf8', env: { ...process.env, BODYCAM_CA_PASSPHRASE: '', ...env } });
}

test('CLI: pki init, provision camera with epoch + central key; both refuse to overwrite without --force', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pkicli-'));
  const pki = join(root, 'pki');
  t.is(bodycam('pki', 'init', '--dir', pki).status, 0);
  t.is(statSync(join(pki, 'ca.key.pem')).mode & 0o777, 0o600);
  const caBefore = readFileSync(join(pki, 'ca.cert.pem'), 'utf8');
  const again = bodycam('pki', 'init', '--dir', pki);
  t.is(again.status, 1);
  t.regex(again.stderr, /refusing to overwrite/);
  t.is(readFileSync(join(pki, 'ca.cert.pem'), 'utf8'), caBefore);

  const pub = join(root, 'epoch.pub.pem');
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(root, 'central.pub.pem'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(root, 'release.pub.pem'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
  const signed = bodycam('pki', 'sign-epoch', '--pki', pki, '--id', '2026-01', '--public-key', pub, '--not-before', '2026-01-01T00:00:00Z', '--not-after', '2026-02-01T00:00:00Z', '--out', join(root, 'e.json'));
  t.is(signed.status, 0, signed.stderr);
  t.like(JSON.parse(signed.stdout), { written: join(root, 'e.json'), epochId: '2026-01' }, 'sign-epoch says what it wrote');
  // A camera's firmware will not start without the receipt key and an epoch: provision refuses, writes nothing.
  for (const [given, missing] of [[['--epoch', join(root, 'e.json')], '--central-pub'], [['--central-pub', join(root, 'central.pub.pem')], '--epoch']] as const) {
    const bare = join(root, `cam-without${missing.slice(1)}`);
    const r = bodycam('provision', 'camera', '--id', 'cam-x', '--pki', pki, '--out', bare, ...given);
    t.is(r.status, 1, r.stdout);
    t.regex(r.stderr, new RegExp(`${missing} is required for a camera`));
    t.false(existsSync(bare), 'nothing written');
  }

  const dev = join(root, 'cam');
  const r = bodycam('provision', 'camera', '--id', 'cam-42', '--pki', pki, '--out', dev, '--central-pub', join(root, 'central.pub.pem'), '--epoch', join(root, 'e.json'), '--firmware-key', join(root, 'release.pub.pem'));
  t.is(r.status, 0, r.stderr);
  const store = loadTrustStore(dev);
  t.is(statSync(join(dev, 'identity', 'key.pem')).mode & 0o777, 0o600);
  t.is(verifyPeerCertificate(store.certPem, store.caCertPem, 'camera').id, 'cam-42');
  t.is(store.epochs.length, 1);
  t.truthy(store.centralReceiptPubPem);
  t.deepEqual(Object.keys(store.firmwareKeys), ['release']);

  const refused = bodycam('provision', 'camera', '--id', 'cam-42', '--pki', pki, '--out', dev);
  t.is(refused.status, 1);
  t.regex(refused.stderr, /refusing to overwrite the identity/);
  t.is(loadTrustStore(dev).keyPem, store.keyPem, 'identity untouched');
  t.is(bodycam('provision', 'camera', '--id', 'cam-42', '--pki', pki, '--out', dev, '--force').status, 0);
  t.not(loadTrustStore(dev).keyPem, store.keyPem);

  const verify = bodycam('pki', 'verify', join(dev, 'identity', 'cert.pem'), '--pki', pki, '--role', 'camera');
  t.is(verify.status, 0, verify.stderr);
  t.is(JSON.parse(verify.stdout).id, 'cam-42');
});

test('CLI: provision without a CA or with a forged epoch names the problem and writes nothing', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pkicli-'));
  const noCa = bodycam('provision', 'dock', '--id', 'd1', '--pki', join(root, 'nope'), '--out', join(root, 'd'));
  t.is(noCa.status, 1);
  t.regex(noCa.stderr, /no CA there/);
  const pki = join(root, 'pki');
  t.is(bodycam('pki', 'init', '--dir', pki).status, 0);
  const pub = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const forged = signEpoch({ v: 1, kind: 'evidence-epoch', epochId: 'x', publicKeyPem: pub, notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-02-01T00:00:00Z' }, createCA().keyPem);
  writeFileSync(join(root, 'forged.json'), JSON.stringify(forged));
  const r = bodycam('provision', 'dock', '--id', 'd1', '--pki', pki, '--out', join(root, 'd'), '--epoch', join(root, 'forged.json'));
  t.is(r.status, 1);
  t.regex(r.stderr, /--epoch .*forged\.json: evidence-epoch: signature does not verify/);
  t.throws(() => loadTrustStore(join(root, 'd')), { message: /missing/ });
});

test('CLI: provision refuses a private key, or a file that is no key, as a firmware or central key and writes nothing', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pkicli-'));
  const pki = join(root, 'pki');
  t.is(bodycam('pki', 'init', '--dir', pki).status, 0);
  const { privateKey } = generateKeyPairSync('ed25519');
  const priv = join(root, 'release-abc.key.pem');
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(root, 'junk.pub.pem'), 'not a key\n');
  const ec = join(root, 'release-ec.pub.pem');
  writeFileSync(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
  for (const [flag, file, reason] of [
    ['--firmware-key', priv, /--firmware-key .*release-abc\.key\.pem: this is a private key/],
    ['--central-pub', priv, /--central-pub .*: this is a private key/],
    ['--firmware-key', join(root, 'junk.pub.pem'), /--firmware-key .*junk\.pub\.pem: not a public key/],
    ['--firmware-key', ec, /--firmware-key .*: a ec key cannot sign firmware/],
  ] as const) {
    const dev = join(root, `cam-${flag.slice(2)}`);
    const r = bodycam('provision', 'camera', '--id', 'cam-1', '--pki', pki, '--out', dev, flag, file);
    t.is(r.status, 1, r.stdout);
    t.regex(r.stderr, reason);
    t.throws(() => loadTrustStore(dev), { message: /missing/ }, 'nothing written');
  }
  // A public key is stored under its name as SPKI PEM.
  const pubPem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
  writeFileSync(join(root, 'release-ok.pub.pem'), pubPem);
  const dev = join(root, 'cam-ok');
  t.is(bodycam('provision', 'technician', '--id', 'tech-2', '--pki', pki, '--out', dev, '--firmware-key', join(root, 'release-ok.pub.pem')).status, 0);
  t.deepEqual(loadTrustStore(dev).firmwareKeys, { 'release-ok': pubPem });
});

test('CA key at rest: encrypted PKCS#8 (scrypt), no clear key on disk; no, wrong or short passphrase is a clear error; passphrase file works', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pkicli-'));
  const pki = join(root, 'pki');
  const none = bodycamEnv({}, 'pki', 'init', '--dir', pki);
  t.is(none.status, 1);
  t.regex(none.stderr, /CA key passphrase: none given \(--passphrase-file FILE or BODYCAM_CA_PASSPHRASE\)/);
  t.throws(() => statSync(join(pki, 'ca.key.pem')), undefined, 'nothing written without a passphrase');
  t.regex(bodycamEnv({ BODYCAM_CA_PASSPHRASE: 'short' }, 'pki', 'init', '--dir', pki).stderr, /passphrase: at least 12 characters/);
  const passFile = join(root, 'ca.pass');
  writeFileSync(passFile, `${CA_PASS}\n`, { mode: 0o600 });
  const init = bodycamEnv({}, 'pki', 'init', '--dir', pki, '--passphrase-file', passFile);
  t.is(init.status, 0, init.stderr);
  const text = readFileSync(join(pki, 'ca.key.pem'), 'utf8');
  t.regex(text, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  t.false(/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text), 'no clear PEM');
  // Scan the DER for a clear PKCS#8 (version 0 + rsaEncryption OID) or an RSA key's header.
  const der = Buffer.from(text.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  t.is(der.indexOf(Buffer.from('06092a864886f70d010101', 'hex')), -1, 'no rsaEncryption OID in clear');
  t.not(der.indexOf(Buffer.from('06092a864886f70d01050d', 'hex')), -1, 'PBES2');
  t.not(der.indexOf(Buffer.from('06092b06010401da47040b', 'hex')), -1, 'scrypt KDF');
  t.throws(() => createPrivateKey(text), undefined, 'unusable without the passphrase');
  t.throws(() => createPrivateKey({ key: text, passphrase: 'wrong wrong wrong' }));
  const key = createPrivateKey({ key: text, passphrase: CA_PASS });
  t.true(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(new X509Certificate(readFileSync(join(pki, 'ca.cert.pem'))).publicKey.export({ type: 'spki', format: 'der' })), 'the key of the CA certificate');
  // Every command that signs with it needs the passphrase; a wrong one says so.
  const pub = join(root, 'epoch.pub.pem');
  writeFileSync(pub, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
  const epoch = ['pki', 'sign-epoch', '--pki', pki, '--id', 'e', '--public-key', pub, '--not-before', '2026-01-01T00:00:00Z', '--not-after', '2026-02-01T00:00:00Z', '--out', join(root, 'e.json')];
  const wrong = bodycamEnv({ BODYCAM_CA_PASSPHRASE: 'not the passphrase' }, ...epoch);
  t.is(wrong.status, 1);
  t.regex(wrong.stderr, /ca\.key\.pem: wrong passphrase/);
  t.false(wrong.stderr.includes('not the passphrase'), 'the passphrase is never printed');
  t.regex(bodycamEnv({}, 'provision', 'dock', '--id', 'd1', '--pki', pki, '--out', join(root, 'd')).stderr, /CA key passphrase: none given/);
  t.is(bodycam(...epoch).status, 0);
  t.is(bodycam('provision', 'dock', '--id', 'd1', '--pki', pki, '--out', join(root, 'd')).status, 0);
  // A CA key left in clear (an old PKI dir) is refused, naming why.
  writeFileSync(join(pki, 'ca.key.pem'), key.export({ type: 'pkcs8', format: 'pem' }));
  const clear = bodycam(...epoch);
  t.is(clear.status, 1);
  t.regex(clear.stderr, /not an encrypted private key \(it is stored in clear/);
  // Verifying a certificate needs only the CA certificate.
  t.is(bodycamEnv({}, 'pki', 'verify', join(root, 'd', 'identity', 'cert.pem'), '--pki', pki, '--role', 'dock').status, 0);
});
