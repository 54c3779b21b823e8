// The serial link's mutual authentication (docs/wire-protocol.md §7), both roles in one place: the
// requester (a dock, or a technician's bench tool: dock-agent/serial/session.ts) and the responder
// (the camera: firmware/dock-link.ts). No transport here: the callers carry HELLO and AUTH.
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { sha256Hex, signData, verifyData } from '../crypto.js';
import type { RevocationSet } from '../pki/revocation.js';
import { claimedIdentity, subjectField, verifyPeerCertificate, type VerifiedPeer } from '../pki/verify.js';
import { ErrorCode, NONCE_BYTES, WireError, authInput, type AuthRequest, type HelloRequest, type HelloResponse } from './messages.js';

/** Who asks: a dock offloads, a technician's certificate is for firmware (and SET_CLOCK) only. */
export type RequesterRole = 'dock' | 'technician';

/** This end's key and certificate, parsed once. */
export interface LinkIdentity {
  key: KeyObject;
  der: Buffer;
  /** The certificate's CN. */
  id: string;
}

export function linkIdentity(pem: { keyPem: string; certPem: string }): LinkIdentity {
  const cert = new X509Certificate(pem.certPem);
  return { key: createPrivateKey(pem.keyPem), der: cert.raw, id: subjectField(cert, 'CN') ?? '' };
}

export interface HandshakeTrust {
  /** The organisation CA: the only issuer a peer certificate is accepted from. */
  caCertPem: string | Buffer;
  /** The newest verified revocation list: a revoked peer is refused. */
  revocation?: () => RevocationSet | null | undefined;
}

/** The peer's certificate or signature was not accepted; `details` are for this end's own log. */
export class HandshakeRefused extends Error {
  constructor(readonly reason: string, readonly details: Record<string, unknown>) {
    super(reason);
    this.name = 'HandshakeRefused';
  }
}

/** The requester's refusal of a camera: what its certificate claims (not trusted) and why. */
export class CameraNotTrusted extends HandshakeRefused {
  constructor(readonly device: { claimed: { id?: string; role?: string; issuer?: string }; reason: string }) {
    super(device.reason, { ...device });
  }
}

const b64 = (v: unknown): Buffer => Buffer.from(String(v ?? ''), 'base64');

/** The requester's side: HELLO to send, then the camera's answer checked into the AUTH to send. */
export interface RequesterHandshake {
  readonly hello: HelloRequest;
  /**
   * Check the camera's HELLO answer: its certificate (role camera, not revoked) and its signature
   * over this HELLO's nonce. Throws CameraNotTrusted.
   */
  answer(response: Partial<HelloResponse>): { auth: AuthRequest; camera: VerifiedPeer; cameraDer: Buffer };
}

export function startRequester(own: LinkIdentity, role: RequesterRole, trust: HandshakeTrust): RequesterHandshake {
  const nonce = randomBytes(NONCE_BYTES);
  return {
    hello: { v: 1, cert: own.der.toString('base64'), nonce: nonce.toString('base64') },
    answer(response) {
      const camDer = b64(response.cert);
      const camNonce = b64(response.nonce);
      const refused = (reason: string) => new CameraNotTrusted({ claimed: claimedIdentity(camDer), reason });
      let camera: VerifiedPeer;
      try {
        camera = verifyPeerCertificate(camDer, trust.caCertPem, 'camera', Date.now(), trust.revocation?.());
      } catch (err) {
        throw refused((err as Error).message);
      }
      if (camNonce.length !== NONCE_BYTES) throw refused('nonce has the wrong length');
      if (!verifyData(camera.cert.publicKey, authInput('camera', nonce, camNonce, own.der, camDer), b64(response.sig))) {
        throw refused('challenge signature does not verify with its certificate');
      }
      const sig = signData(own.key, authInput(role, camNonce, nonce, own.der, camDer));
      return { auth: { sig: sig.toString('base64') }, camera, cameraDer: camDer };
    },
  };
}

/** A requester the camera has authenticated. */
export interface AuthenticatedPeer {
  role: RequesterRole;
  /** The certificate's CN. */
  id: string;
  certSha256: string;
}

type State =
  | { s: 'idle' }
  | { s: 'challenged'; peerDer: Buffer; peerNonce: Buffer; ownNonce: Buffer; peerKey: KeyObject; id: string; role: RequesterRole }
  | { s: 'ready'; peer: AuthenticatedPeer; authSig: string };

const field = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 16384) throw new WireError(ErrorCode.BAD_REQUEST, `${name}: expected a non-empty string`);
  return v;
};

/**
 * The camera's side: idle —HELLO ok→ challenged —AUTH ok→ ready. A malformed message is a WireError
 * (BAD_REQUEST, UNSUPPORTED, AUTH_REQUIRED); an untrusted certificate or a signature that does not
 * verify is HandshakeRefused, which the caller answers with AUTH_FAILED and nothing more.
 */
export class ResponderHandshake {
  private st: State = { s: 'idle' };

  constructor(private readonly own: LinkIdentity, private readonly trust: HandshakeTrust) {}

  get state(): State['s'] { return this.st.s; }
  /** The authenticated requester, null before AUTH and after the session ended. */
  get peer(): AuthenticatedPeer | null { return this.st.s === 'ready' ? this.st.peer : null; }

  /** Back to idle (BYE, idle timeout, line closed, a new HELLO). */
  end(): void { this.st = { s: 'idle' }; }

  /** HELLO, in any state: starts over; the answer carries this camera's challenge and signature. */
  hello(req: Partial<HelloRequest>): HelloResponse {
    this.st = { s: 'idle' };
    if (req.v !== 1) throw new WireError(ErrorCode.UNSUPPORTED, 'v: only protocol version 1 is spoken');
    const peerNonce = Buffer.from(field(req.nonce, 'nonce'), 'base64');
    if (peerNonce.length !== NONCE_BYTES) throw new WireError(ErrorCode.BAD_REQUEST, `nonce: expected ${NONCE_BYTES} bytes`);
    const peerDer = Buffer.from(field(req.cert, 'cert'), 'base64');
    // A certificate claiming technician is checked as one; anything else must be a dock's.
    const role: RequesterRole = claimedIdentity(peerDer).role === 'technician' ? 'technician' : 'dock';
    let peer: VerifiedPeer;
    try {
      peer = verifyPeerCertificate(peerDer, this.trust.caCertPem, role, Date.now(), this.trust.revocation?.());
    } catch (err) {
      throw new HandshakeRefused((err as Error).message, { reason: (err as Error).message, certSha256: sha256Hex(peerDer) });
    }
    const ownNonce = randomBytes(NONCE_BYTES);
    this.st = { s: 'challenged', peerDer, peerNonce, ownNonce, peerKey: peer.cert.publicKey, id: peer.id, role };
    const sig = signData(this.own.key, authInput('camera', peerNonce, ownNonce, peerDer, this.own.der));
    return { v: 1, cert: this.own.der.toString('base64'), nonce: ownNonce.toString('base64'), sig: sig.toString('base64') };
  }

  /** AUTH: the requester's signature over this camera's nonce; `repeated` for a retransmit of the accepted one. */
  auth(req: Partial<AuthRequest>): { peer: AuthenticatedPeer; repeated: boolean } {
    const sig = field(req.sig, 'sig');
    if (this.st.s === 'ready' && this.st.authSig === sig) return { peer: this.st.peer, repeated: true };
    if (this.st.s !== 'challenged') throw new WireError(ErrorCode.AUTH_REQUIRED, 'send HELLO first');
    const c = this.st;
    if (!verifyData(c.peerKey, authInput(c.role, c.ownNonce, c.peerNonce, c.peerDer, this.own.der), Buffer.from(sig, 'base64'))) {
      this.st = { s: 'idle' };
      throw new HandshakeRefused('challenge signature did not verify', { reason: 'challenge signature did not verify', dockId: c.id, role: c.role });
    }
    const peer = { role: c.role, id: c.id, certSha256: sha256Hex(c.peerDer) };
    this.st = { s: 'ready', peer, authSig: sig };
    return { peer, repeated: false };
  }
}
