// Who forwarded a message, and for which camera (docs/mqtt-topics.md, "Dock signature"): every
// dock → central message carries the dock's certificate, the camera certificate the dock got in its
// serial handshake, and the dock's signature over the message's facts. Central verifies both
// certificates to the organisation CA and the signature before it believes anything in the message.
import { X509Certificate, createHash, type KeyLike } from 'node:crypto';
import { sha256Hex, signData, verifyData } from '../crypto.js';
import type { RevocationSet } from '../pki/revocation.js';
import { refuseRevoked, verifyPeerCertificate, type VerifiedPeer } from '../pki/verify.js';

export interface DockAuth {
  /** The dock's certificate, DER base64. */
  dockCert: string;
  /** The camera's certificate as the dock received it in the handshake, DER base64. */
  cameraCert: string;
  /** Base64 signature with the dock's key over authInput(kind, facts). */
  dockSig: string;
}

export type AuthKind = 'upload' | 'wipe-cert' | 'device-log';

/** What the dock signs: "bodycam-<kind> v2", the facts, and the camera certificate's SHA-256, one per line. */
export function authInput(kind: AuthKind, facts: (string | number)[], cameraCertB64: string): Buffer {
  const camSha = createHash('sha256').update(Buffer.from(cameraCertB64, 'base64')).digest('hex');
  return Buffer.from([`bodycam-${kind} v2`, ...facts.map(String), camSha].join('\n'), 'utf8');
}

export interface DockIdentity {
  keyPem: string;
  certPem: string;
}

export function signDockAuth(id: DockIdentity, kind: AuthKind, facts: (string | number)[], cameraCertB64: string): DockAuth {
  const dockCert = new X509Certificate(id.certPem).raw.toString('base64');
  return { dockCert, cameraCert: cameraCertB64, dockSig: signData(id.keyPem, authInput(kind, facts, cameraCertB64)).toString('base64') };
}

/**
 * A message about the dock alone (its heartbeat: no camera): "bodycam-<kind> v2" and the facts, one per
 * line, signed with the dock's key; no camera-certificate line.
 */
export function dockOnlyInput(kind: 'heartbeat', facts: (string | number)[]): Buffer {
  return Buffer.from([`bodycam-${kind} v2`, ...facts.map(String)].join('\n'), 'utf8');
}
export function signDockOnly(id: DockIdentity, kind: 'heartbeat', facts: (string | number)[]): { dockCert: string; dockSig: string } {
  return { dockCert: new X509Certificate(id.certPem).raw.toString('base64'), dockSig: signData(id.keyPem, dockOnlyInput(kind, facts)).toString('base64') };
}
/** Verify a dock-only message: the dock certificate (role dock, CN = the topic's dock id, not revoked) and its signature. */
export function verifyDockOnly(a: { dockCert?: unknown; dockSig?: unknown } | undefined, kind: 'heartbeat', facts: (string | number)[], topicDockId: string, trust: AuthTrust): VerifiedPeer {
  if (!a || typeof a.dockCert !== 'string' || typeof a.dockSig !== 'string') throw new Error('not signed by a dock (dockCert and dockSig are required)');
  let dock: VerifiedPeer;
  try {
    dock = verifyPeerCertificate(Buffer.from(a.dockCert, 'base64'), trust.caCertPem, 'dock', (trust.now ?? Date.now)(), trust.revocation?.() ?? null);
  } catch (err) {
    throw new Error(`dock certificate: ${(err as Error).message}`);
  }
  if (dock.id !== topicDockId) throw new Error(`dock certificate is for ${dock.id}, the topic names ${topicDockId}`);
  if (!verifyData(dock.cert.publicKey as KeyLike, dockOnlyInput(kind, facts), Buffer.from(a.dockSig, 'base64'))) throw new Error(`dock signature does not verify with ${dock.id}'s certificate`);
  return dock;
}

export interface VerifiedAuth {
  dock: VerifiedPeer;
  camera: VerifiedPeer;
  cameraCertSha256: string;
}

export interface AuthTrust {
  caCertPem: string;
  revocation?: () => RevocationSet | null | undefined;
  now?: () => number;
}

/**
 * The message is not shown to come from the topic's dock (fields missing, a certificate that is not that
 * dock's, or a signature its key did not make): whoever sent it is not the dock, so nothing answers it on
 * the dock's topics (a forger holding the dock's broker identity would otherwise have central refuse the
 * dock's own request number, docs/threat-model.md).
 */
export class NotFromDockError extends Error {}

/**
 * Verify a message's DockAuth: the dock certificate (role dock, CN = the topic's dock id), its
 * signature over the facts, and the camera certificate (role camera). Throws naming the reason.
 */
export function verifyDockAuth(a: Partial<DockAuth> | undefined, kind: AuthKind, facts: (string | number)[], topicDockId: string, trust: AuthTrust): VerifiedAuth {
  if (!a || typeof a.dockCert !== 'string' || typeof a.cameraCert !== 'string' || typeof a.dockSig !== 'string') {
    throw new NotFromDockError('not signed by a dock (dockCert, cameraCert and dockSig are required)');
  }
  const now = (trust.now ?? Date.now)();
  const revoked = trust.revocation?.() ?? null;
  let dock: VerifiedPeer;
  try {
    dock = verifyPeerCertificate(Buffer.from(a.dockCert, 'base64'), trust.caCertPem, 'dock', now, null);
  } catch (err) {
    throw new NotFromDockError(`dock certificate: ${(err as Error).message}`);
  }
  if (dock.id !== topicDockId) throw new NotFromDockError(`dock certificate is for ${dock.id}, the topic names ${topicDockId}`);
  if (!verifyData(dock.cert.publicKey as KeyLike, authInput(kind, facts, a.cameraCert), Buffer.from(a.dockSig, 'base64'))) {
    throw new NotFromDockError(`dock signature does not verify with ${dock.id}'s certificate`);
  }
  // Revocation last: the sender holds the key of a certificate the CA issued to this dock, so a revoked
  // dock (or its thief) is told why it is refused.
  if (revoked) {
    try {
      refuseRevoked(dock.cert, 'dock', dock.id, revoked);
    } catch (err) {
      throw new Error(`dock certificate: ${(err as Error).message}`);
    }
  }
  let camera: VerifiedPeer;
  try {
    camera = verifyPeerCertificate(Buffer.from(a.cameraCert, 'base64'), trust.caCertPem, 'camera', now, revoked);
  } catch (err) {
    throw new Error(`camera certificate: ${(err as Error).message}`);
  }
  return { dock, camera, cameraCertSha256: sha256Hex(Buffer.from(a.cameraCert, 'base64')) };
}
