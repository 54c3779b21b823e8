// What camera, dock and central store say to each other about a clip: its summary, the central
// store's signed receipt, and the camera's wipe certificate. Formats: docs/mqtt-topics.md and
// docs/wire-protocol.md refer to these.
import { KeyObject, createPublicKey, type KeyLike } from 'node:crypto';
import { sha256Hex, signData, verifyData } from './crypto.js';

export type ClipState = 'recording' | 'closed' | 'truncated';

/** A clip as the camera's vault lists it to the dock. */
export interface ClipSummary {
  clipId: string;
  deviceId: string;
  state: ClipState;
  /** Ciphertext file size in bytes. */
  bytes: number;
  /** SHA-256 (hex) of the whole ciphertext file; null while still recording. */
  sha256: string | null;
  startedAt: string;
  stoppedAt: string | null;
  /** Evidence-key epoch the clip's data key is wrapped to. */
  epochId: string;
  /**
   * LIST_CLIPS only, when the clip holds a marker: base64 of the clip-key-signed checkpoint bodies around
   * its first marker (shared/clip/priority.ts). The dock orders by it only once it verifies.
   */
  markerProof?: string;
}

/** The camera side of the offload, as the dock link needs it (implemented by firmware/vault). */
export interface CameraVault {
  /** Clips that may be offloaded (closed or truncated; never one still recording). */
  list(): ClipSummary[];
  readChunk(clipId: string, offset: number, length: number): Promise<Buffer>;
  /** Wipe a clip, only against a valid receipt for exactly this clip id and hash. Throws with the reason otherwise. */
  wipe(clipId: string, receipt: SignedDocument): Promise<SignedDocument>;
  /**
   * The wipe certificates the vault still keeps (oldest first, from the `skip`-th, at most `max`): any
   * dock takes them to central before it forwards the device log whose receipt lets the vault drop
   * them (WIPE_CERTS).
   */
  wipeCertificatesKept?(skip: number, max: number): SignedDocument[];
}

/** A JSON document signed as its exact UTF-8 bytes (no canonicalisation needed). */
export interface SignedDocument {
  /** The JSON text that was signed. */
  body: string;
  /** Base64 signature over the UTF-8 bytes of body (shared/crypto.ts signData). */
  sig: string;
  /** SHA-256 hex of the signer's SPKI DER public key, to pick the key. */
  keyId: string;
}

export interface ReceiptBody {
  v: 1;
  kind: 'clip-receipt';
  clipId: string;
  deviceId: string;
  sha256: string;
  bytes: number;
  storedAt: string;
  storeId: string;
}

export interface WipeCertificateBody {
  v: 1;
  kind: 'wipe-certificate';
  clipId: string;
  deviceId: string;
  sha256: string;
  bytes: number;
  wipedAt: string;
  /** Steps done, in order, e.g. ['overwrite', 'fsync', 'unlink', 'index-delete', 'discard']. */
  steps: string[];
  /** SHA-256 hex of the receipt body that authorised the wipe. */
  receiptSha256: string;
}

export function keyIdOf(publicKey: KeyLike): string {
  const pub = publicKey instanceof KeyObject && publicKey.type === 'public' ? publicKey : createPublicKey(publicKey);
  const der = pub.export({ type: 'spki', format: 'der' }) as Buffer;
  return sha256Hex(der);
}

export function signDocument(body: object, privateKey: KeyLike): SignedDocument {
  const text = JSON.stringify(body);
  const pub = createPublicKey(privateKey);
  return { body: text, sig: signData(privateKey, Buffer.from(text, 'utf8')).toString('base64'), keyId: keyIdOf(pub) };
}

/** Verify and parse a signed document; throws an Error naming the reason when it does not verify. */
export function openDocument<T extends { kind: string }>(doc: SignedDocument, publicKey: KeyLike, kind: T['kind']): T {
  if (!doc || typeof doc.body !== 'string' || typeof doc.sig !== 'string') throw new Error('malformed signed document');
  if (!verifyData(publicKey, Buffer.from(doc.body, 'utf8'), Buffer.from(doc.sig, 'base64'))) {
    throw new Error(`${kind}: signature does not verify with the trusted key`);
  }
  let parsed: T;
  try {
    parsed = JSON.parse(doc.body) as T;
  } catch {
    throw new Error(`${kind}: body is not JSON`);
  }
  if (parsed.kind !== kind) throw new Error(`expected a ${kind}, got ${String(parsed.kind)}`);
  return parsed;
}

/** Public half of an evidence-key epoch, signed by the organisation root (the CA key). */
export interface EvidenceEpochBody {
  v: 1;
  kind: 'evidence-epoch';
  epochId: string;
  /** RSA public key (SPKI PEM) clips of this epoch have their data key wrapped to (RSA-OAEP SHA-256). */
  publicKeyPem: string;
  /** ISO times: cameras use this epoch for clips started within [notBefore, notAfter). */
  notBefore: string;
  notAfter: string;
}

/** The camera's signature over the head of its device log, sent with every GET_LOG page (docs/device-log.md). */
/**
 * Central's acknowledgement of a camera's device log through `seq` (signed with the clip-receipt key):
 * the camera may then delete its entries up to it, keeping `hash` as its chain anchor (docs/device-log.md).
 */
export interface DeviceLogReceiptBody {
  v: 1;
  kind: 'device-log-receipt';
  deviceId: string;
  seq: number;
  hash: string;
  storeId: string;
  storedAt: string;
}

export interface DeviceLogHeadBody {
  v: 1;
  kind: 'device-log-head';
  deviceId: string;
  /** The last entry of the page: its seq and hash (which chains back to every entry before it). */
  seq: number;
  hash: string;
}

/** One entry of a hash-chained log (the camera's device log; the central access log has its own). */
export interface DeviceLogEntry {
  seq: number;
  at: string;
  type: string;
  data: Record<string, unknown>;
  /** SHA-256 hex of the previous entry's hash + this entry's canonical fields. */
  prevHash: string;
  hash: string;
}
