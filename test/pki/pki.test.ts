import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
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

function bodycam(...args: string[]) {
  return spawnSync(process.execPath, ['--import=tsx', 'shared/cli/bodycam.ts', ...args], { encoding: 'utf8' });
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
  t.is(bodycam('pki', 'sign-epoch', '--pki', pki, '--id', '2026-01', '--public-key', pub, '--not-before', '2026-01-01T00:00:00Z', '--not-after', '2026-02-01T00:00:00Z', '--out', join(root, 'e.json')).status, 0);

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
  t.is(bodycam('provision', 'camera', '--id', 'cam-2', '--pki', pki, '--out', dev, '--firmware-key', join(root, 'release-ok.pub.pem')).status, 0);
  t.deepEqual(loadTrustStore(dev).firmwareKeys, { 'release-ok': pubPem });
});
