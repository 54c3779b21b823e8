// Certificate checks with node:crypto X509Certificate only (forge is never used to verify).
import { X509Certificate } from 'node:crypto';
import type { Role } from './ca.js';

export interface VerifiedPeer {
  id: string;
  role: Role;
  /** SHA-256 fingerprint of the certificate, hex, no colons. */
  fingerprint: string;
  cert: X509Certificate;
}

export function subjectField(cert: X509Certificate, field: string): string | undefined {
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq) === field) return line.slice(eq + 1);
  }
  return undefined;
}

/** Parse without trusting: used to report what an untrusted peer claims to be. */
export function claimedIdentity(cert: string | Buffer): { id?: string; role?: string; issuer?: string } {
  try {
    const x = new X509Certificate(cert);
    return { id: subjectField(x, 'CN'), role: subjectField(x, 'OU'), issuer: x.issuer.replace(/\n/g, ', ') };
  } catch {
    return {};
  }
}

/**
 * Check that cert (PEM or DER) was issued and signed by the CA, is inside its validity window, is
 * not a CA itself, and carries expectedRole in both OU and its SAN URI. Throws naming the reason.
 */
export function verifyPeerCertificate(cert: string | Buffer, caCertPem: string | Buffer, expectedRole: Role, now = Date.now()): VerifiedPeer {
  let x: X509Certificate;
  let ca: X509Certificate;
  try {
    ca = new X509Certificate(caCertPem);
  } catch {
    throw new Error('CA certificate: not a parseable X.509 certificate');
  }
  try {
    x = new X509Certificate(cert);
  } catch {
    throw new Error('peer certificate: not a parseable X.509 certificate');
  }
  if (!ca.ca) throw new Error('CA certificate: basicConstraints does not mark it a CA');
  if (!x.checkIssued(ca) || !x.verify(ca.publicKey)) throw new Error('peer certificate: not issued by the organisation CA');
  if (x.ca) throw new Error('peer certificate: is a CA certificate, not a device identity');
  if (now < Date.parse(x.validFrom)) throw new Error(`peer certificate: not valid before ${x.validFrom}`);
  if (now > Date.parse(x.validTo)) throw new Error(`peer certificate: expired ${x.validTo}`);
  if (now < Date.parse(ca.validFrom) || now > Date.parse(ca.validTo)) throw new Error('CA certificate: outside its validity window');
  const id = subjectField(x, 'CN');
  const role = subjectField(x, 'OU');
  if (!id) throw new Error('peer certificate: subject has no CN (device id)');
  if (role !== expectedRole) throw new Error(`peer certificate: role is ${role ?? '(none)'}, expected ${expectedRole}`);
  const san = x.subjectAltName ?? '';
  if (!san.split(', ').includes(`URI:urn:bodycam:${role}:${id}`)) throw new Error('peer certificate: SAN URI does not match its role and id');
  return { id, role: expectedRole, fingerprint: x.fingerprint256.replace(/:/g, '').toLowerCase(), cert: x };
}
