// Organisation CA and identity issuing (docs/pki.md). Keys come from node:crypto (RSA-2048);
// node-forge only builds and signs the X.509 certificates. Verification never uses forge (verify.ts).
import { generateKeyPairSync, randomBytes, createPrivateKey, createPublicKey, type KeyLike } from 'node:crypto';
import forge from 'node-forge';
import { signDocument, type EvidenceEpochBody, type SignedDocument } from '../evidence.js';
import { ROLES, type Role } from './roles.js';

export { ROLES, type Role };
export const ORG_DEFAULT = 'Open Bodycam Organisation';
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

export function assertId(id: string): void {
  if (!ID_RE.test(id)) throw new Error(`id: "${id}" must be 1-64 characters of A-Z a-z 0-9 . _ - (starting alphanumeric)`);
}

function newRsaKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // keep it positive
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex');
}

function baseCert(publicPem: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = serial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 5 * 60_000); // tolerate small clock skew
  cert.validity.notAfter = new Date(now + days * 86_400_000);
  return cert;
}

/** A self-signed organisation CA (RSA-2048, SHA-256). */
export function createCA(opts: { org?: string; days?: number } = {}): KeyAndCert {
  const org = opts.org ?? ORG_DEFAULT;
  const key = newRsaKey();
  const cert = baseCert(key.publicPem, opts.days ?? 3650);
  const attrs = [
    { name: 'commonName', value: `${org} Root CA` },
    { name: 'organizationName', value: org },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(key.privatePem), forge.md.sha256.create());
  return { keyPem: key.privatePem, certPem: forge.pki.certificateToPem(cert) };
}

/**
 * Issue a leaf identity: subject CN=<id>, OU=<role>, O=<org of the CA>; SAN URI
 * urn:bodycam:<role>:<id>; not a CA; digitalSignature only. A fresh key per identity.
 */
export function issueCertificate(opts: { role: Role; id: string; ca: KeyAndCert; days?: number; hosts?: string[] }): KeyAndCert {
  if (!ROLES.includes(opts.role)) throw new Error(`role: must be one of ${ROLES.join(', ')}`);
  assertId(opts.id);
  // Only the MQTT broker is a TLS server by name: its certificate also names the hosts it serves.
  if (opts.hosts?.length && opts.role !== 'broker') throw new Error('hosts: only a broker certificate names hosts');
  const caCert = forge.pki.certificateFromPem(opts.ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(opts.ca.keyPem);
  const org = caCert.subject.getField('O')?.value ?? ORG_DEFAULT;
  const key = newRsaKey();
  const cert = baseCert(key.publicPem, opts.days ?? 825);
  cert.setSubject([
    { name: 'commonName', value: opts.id },
    { name: 'organizationalUnitName', value: opts.role },
    { name: 'organizationName', value: org },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'subjectAltName', altNames: [{ type: 6, value: `urn:bodycam:${opts.role}:${opts.id}` }, ...(opts.hosts ?? []).map(hostAltName)] },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { keyPem: key.privatePem, certPem: forge.pki.certificateToPem(cert) };
}

/** A SAN entry for a host name or IP address (forge: type 2 dNSName, type 7 iPAddress). */
function hostAltName(h: string): { type: number; value?: string; ip?: string } {
  if (/^[0-9.]+$/.test(h) || h.includes(':')) return { type: 7, ip: h };
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(h)) throw new Error(`hosts: "${h}" is not a host name or IP address`);
  return { type: 2, value: h };
}

/** Sign an evidence-key epoch document with the organisation root (the CA key). */
export function signEpoch(body: EvidenceEpochBody, caKey: KeyLike): SignedDocument {
  if (body.kind !== 'evidence-epoch' || body.v !== 1) throw new Error('epoch: body must be { v: 1, kind: "evidence-epoch", ... }');
  createPublicKey(body.publicKeyPem); // throws on a malformed key before anything is signed
  if (!(Date.parse(body.notBefore) < Date.parse(body.notAfter))) throw new Error('epoch: notBefore must be an ISO time before notAfter');
  return signDocument(body, typeof caKey === 'string' ? createPrivateKey(caKey) : caKey);
}
