import test from 'ava';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { createCA, issueCertificate, type KeyAndCert } from '../../shared/pki/ca.js';
import { newerList, normalSerial, openRevocationList, serialOf, signRevocationList, RevocationSet, type RevocationListBody } from '../../shared/pki/revocation.js';
import { verifyPeerCertificate } from '../../shared/pki/verify.js';

const ca = createCA({ org: 'Test Org' });

/** A CA-signed leaf with whatever subject attributes the test wants (forge, issuing only). */
function leafWith(subject: { name: string; value: string }[], uri: string, by: KeyAndCert = ca): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  cert.serialNumber = '0a1b2c3d';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject(subject);
  cert.setIssuer(forge.pki.certificateFromPem(by.certPem).subject.attributes);
  cert.setExtensions([{ name: 'basicConstraints', cA: false, critical: true }, { name: 'subjectAltName', altNames: [{ type: 6, value: uri }] }]);
  cert.sign(forge.pki.privateKeyFromPem(by.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

test('a CA-issued certificate with two roles (OU=dock, OU=camera) is refused for either role', (t) => {
  const two = leafWith([{ name: 'commonName', value: 'x-1' }, { name: 'organizationalUnitName', value: 'dock' },
    { name: 'organizationalUnitName', value: 'camera' }, { name: 'organizationName', value: 'Test Org' }], 'urn:bodycam:dock:x-1');
  t.throws(() => verifyPeerCertificate(two, ca.certPem, 'dock'), { message: /2 roles \(OU=dock, OU=camera\); exactly one/ });
  t.throws(() => verifyPeerCertificate(two, ca.certPem, 'camera'), { message: /2 roles/ });
  const twoCn = leafWith([{ name: 'commonName', value: 'x-1' }, { name: 'commonName', value: 'x-2' },
    { name: 'organizationalUnitName', value: 'dock' }], 'urn:bodycam:dock:x-1');
  t.throws(() => verifyPeerCertificate(twoCn, ca.certPem, 'dock'), { message: /2 CNs/ });
  // The same construction with one OU passes: the refusal is about the roles, not the forge-built cert.
  const one = leafWith([{ name: 'commonName', value: 'x-1' }, { name: 'organizationalUnitName', value: 'dock' }], 'urn:bodycam:dock:x-1');
  t.is(verifyPeerCertificate(one, ca.certPem, 'dock').id, 'x-1');
});

const list = (n: number, serials: string[]): RevocationListBody => ({
  v: 1, kind: 'revocation-list', number: n, issuedAt: new Date().toISOString(),
  revoked: serials.map((serial) => ({ serial, reason: 'lost', revokedAt: new Date().toISOString() })),
});

test('a revoked certificate is refused by verifyPeerCertificate; others still pass', (t) => {
  const lost = issueCertificate({ role: 'dock', id: 'dock-lost', ca });
  const kept = issueCertificate({ role: 'dock', id: 'dock-kept', ca });
  const doc = signRevocationList(list(3, [serialOf(lost.certPem)]), ca.keyPem);
  const body = openRevocationList(doc, ca.certPem);
  t.throws(() => verifyPeerCertificate(lost.certPem, ca.certPem, 'dock', Date.now(), body), { message: /revoked \(serial [0-9a-f]+, lost; revocation list #3\)/ });
  t.is(verifyPeerCertificate(kept.certPem, ca.certPem, 'dock', Date.now(), new RevocationSet(body)).id, 'dock-kept');
  t.is(verifyPeerCertificate(lost.certPem, ca.certPem, 'dock').id, 'dock-lost'); // no list given: no revocation check
});

test('a revocation list opens only with the CA that signed it and only with a valid body', (t) => {
  const doc = signRevocationList(list(1, ['abc']), ca.keyPem);
  t.throws(() => openRevocationList(doc, createCA().certPem), { message: /signature does not verify/ });
  const tampered = { ...doc, body: doc.body.replace('"abc"', '"abd"') };
  t.throws(() => openRevocationList(tampered, ca.certPem), { message: /signature does not verify/ });
  t.throws(() => signRevocationList({ ...list(1, []), number: 0 }, ca.keyPem));
  t.throws(() => signRevocationList(list(1, ['00AB']), ca.keyPem), { message: /lower-case hex/ });
  t.throws(() => openRevocationList({ body: 1 }, ca.certPem), { message: /not a signed document/ });
});

test('only a higher number replaces a list; serials are normalised the way node prints them', (t) => {
  t.true(newerList(null, list(1, [])));
  t.true(newerList(list(1, []), list(2, [])));
  t.false(newerList(list(2, []), list(1, [])));
  t.false(newerList(list(2, []), list(2, ['ab'])));
  t.is(normalSerial('00:0A:1B'), 'a1b');
  const c = issueCertificate({ role: 'camera', id: 'c1', ca });
  t.is(serialOf(c.certPem), new X509Certificate(c.certPem).serialNumber.toLowerCase().replace(/^0+/, ''));
  t.throws(() => normalSerial('xyz'), { message: /not a hex certificate serial/ });
});

test('CLI: pki revoke CERT|SERIAL records, pki crl issues numbered signed lists, provision broker --crl leaves a revoked dock out', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'revoke-cli-'));
  const bodycam = (...args: string[]) => spawnSync(process.execPath, ['--import=tsx', 'tools/bodycam.ts', ...args],
    { encoding: 'utf8', env: { ...process.env, BODYCAM_CA_PASSPHRASE: 'revocation test passphrase' } });
  const pki = join(root, 'pki');
  t.is(bodycam('pki', 'init', '--dir', pki).status, 0);
  for (const id of ['dock-1', 'dock-2']) t.is(bodycam('provision', 'dock', '--id', id, '--pki', pki, '--out', join(root, id)).status, 0);
  const cert1 = join(root, 'dock-1', 'identity', 'cert.pem');
  t.regex(bodycam('pki', 'revoke', cert1, '--pki', pki).stderr, /--reason is required/);
  t.is(bodycam('pki', 'revoke', cert1, '--pki', pki, '--reason', 'dock stolen from site B').status, 0);
  t.regex(bodycam('pki', 'revoke', cert1, '--pki', pki, '--reason', 'again').stderr, /already revoked/);
  t.is(bodycam('pki', 'revoke', 'ABCDEF01', '--pki', pki, '--reason', 'technician left', '--role', 'technician', '--id', 'tech-3').status, 0);
  const other = join(root, 'other-ca');
  t.is(bodycam('pki', 'init', '--dir', other).status, 0);
  t.is(bodycam('provision', 'dock', '--id', 'dock-x', '--pki', other, '--out', join(root, 'dock-x')).status, 0);
  t.regex(bodycam('pki', 'revoke', join(root, 'dock-x', 'identity', 'cert.pem'), '--pki', pki, '--reason', 'x').stderr, /not issued by the CA/);

  const out = join(root, 'crl.json');
  const r1 = bodycam('pki', 'crl', '--pki', pki, '--out', out);
  t.is(r1.status, 0, r1.stderr);
  const caPem = readFileSync(join(pki, 'ca.cert.pem'), 'utf8');
  const l1 = openRevocationList(JSON.parse(readFileSync(out, 'utf8')), caPem);
  t.is(l1.number, 1);
  t.deepEqual(l1.revoked.map((e) => [e.serial, e.role, e.id, e.reason]), [
    [serialOf(readFileSync(cert1, 'utf8')), 'dock', 'dock-1', 'dock stolen from site B'], ['abcdef01', 'technician', 'tech-3', 'technician left']]);
  t.is(bodycam('pki', 'crl', '--pki', pki, '--out', out).status, 0);
  t.is(openRevocationList(JSON.parse(readFileSync(out, 'utf8')), caPem).number, 2, 'every issue gets the next number');

  const b = bodycam('provision', 'broker', '--pki', pki, '--out', join(root, 'broker'), '--docks', 'dock-1,dock-2', '--central', 'central-1', '--host', 'localhost', '--crl', out);
  t.is(b.status, 0, b.stderr);
  t.regex(b.stderr, /left out of the ACL: dock dock-1 \(revoked: dock stolen from site B\)/);
  const acl = readFileSync(join(root, 'broker', 'acl'), 'utf8');
  // The same serials as an X.509 CRL for mosquitto's crlfile; openssl reads it as signed by the CA.
  t.regex(readFileSync(join(root, 'broker', 'mosquitto.conf'), 'utf8'), /^crlfile .*crl\.pem$/m);
  const ossl = spawnSync('openssl', ['crl', '-in', join(root, 'broker', 'crl.pem'), '-CAfile', join(pki, 'ca.cert.pem'), '-noout', '-text'], { encoding: 'utf8' });
  t.regex(ossl.stderr + ossl.stdout, /verify OK/);
  t.regex(ossl.stdout, new RegExp(`Serial Number: 0*${serialOf(readFileSync(cert1, 'utf8')).toUpperCase()}`));
  t.regex(ossl.stdout, /CRL Number: \s*2/);
  t.false(acl.includes('CN=dock-1\n'));
  t.true(acl.includes('CN=dock-2\n'));
});
