// Certificate checks with node:crypto X509Certificate only (forge is never used to verify).
import { X509Certificate } from 'node:crypto';
import type { Role } from './roles.js';
import { RevocationSet, type RevocationListBody } from './revocation.js';

export interface VerifiedPeer {
  id: string;
  role: Role;
  /** SHA-256 fingerprint of the certificate, hex, no colons. */
  fingerprint: string;
  cert: X509Certificate;
}

export function subjectField(cert: X509Certificate, field: string): string | undefined {
  return subjectFields(cert, field)[0];
}

/** Every value of a subject attribute (node prints a multi-valued one as "OU=a\nOU=b" or "OU=a + OU=b"). */
export function subjectFields(cert: X509Certificate, field: string): string[] {
  const out: string[] = [];
  for (const line of cert.subject.split(/\n| \+ /)) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq) === field) out.push(line.slice(eq + 1));
  }
  return out;
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
 * not a CA itself, carries exactly one role (OU), expectedRole, in both OU and its SAN URI, and (when
 * a verified revocation list is given) is not revoked. Throws naming the reason.
 */
export function verifyPeerCertificate(
  cert: string | Buffer, caCertPem: string | Buffer, expectedRole: Role, now = Date.now(),
  revocation?: RevocationSet | RevocationListBody | null,
): VerifiedPeer {
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
  const ids = subjectFields(x, 'CN');
  const roles = subjectFields(x, 'OU');
  // One identity, one role: a certificate naming two (OU=dock, OU=camera) is no identity at all.
  if (ids.length > 1) throw new Error(`peer certificate: subject has ${ids.length} CNs; exactly one is allowed`);
  if (roles.length > 1) throw new Error(`peer certificate: subject has ${roles.length} roles (OU=${roles.join(', OU=')}); exactly one is allowed`);
  const id = ids[0];
  const role = roles[0];
  if (!id) throw new Error('peer certificate: subject has no CN (device id)');
  if (role !== expectedRole) throw new Error(`peer certificate: role is ${role ?? '(none)'}, expected ${expectedRole}`);
  const san = x.subjectAltName ?? '';
  const uris = san.split(', ').filter((e) => e.startsWith('URI:urn:bodycam:'));
  if (uris.length !== 1 || uris[0] !== `URI:urn:bodycam:${role}:${id}`) throw new Error('peer certificate: SAN URI does not match its role and id');
  if (revocation) refuseRevoked(x, role, id, revocation);
  return { id, role: expectedRole, fingerprint: x.fingerprint256.replace(/:/g, '').toLowerCase(), cert: x };
}

/** Throws naming the device when `x` (whose chain was already verified) is on the revocation list. */
export function refuseRevoked(x: X509Certificate, role: string, id: string, revocation: RevocationSet | RevocationListBody): void {
  const set = revocation instanceof RevocationSet ? revocation : new RevocationSet(revocation);
  const hit = set.lookup(x);
  // The chain verified, so the CN is the CA's word: name the device for whoever reads the refusal.
  if (hit) throw new Error(`peer certificate: ${role} ${id} revoked (serial ${hit.serial}, ${hit.reason}; revocation list #${set.number})`);
}
