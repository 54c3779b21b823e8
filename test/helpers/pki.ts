// One organisation for a test process: a CA, camera and dock identities issued by it (once per id),
// an evidence epoch key, and real signed clips (format v2) built in memory, for tests that need the
// central store to accept what they upload.
import {
  X509Certificate, constants, createCipheriv, createHash, createPrivateKey, generateKeyPairSync, publicEncrypt, randomBytes, randomUUID, sign,
  type KeyObject,
} from 'node:crypto';
import {
  CHECKPOINT_CLOSED, FRAME_PREFIX_LEN, VERSION_SIGNED, checkpointMessage, encodeCheckpoint, encodeHeaderBody, encodeHeaderSeal,
  encodeRecordHeader, headerMac, headerSealMessage, segmentKey, segmentNonce, RECORD_FINAL, RECORD_VIDEO, type ClipMeta,
} from '../../shared/clip/format.js';
import { signData } from '../../shared/crypto.js';
import type { ClipSummary } from '../../shared/evidence.js';
import type { DockIdentity } from '../../shared/mqtt/dock-auth.js';
import type { KeyAndCert } from '../../shared/pki/ca.js';
import { defaultTestCa, identityFor } from '../../hardware-sim/broker-pki.js';

// The broker helpers' organisation (hardware-sim/broker-pki.ts): the ingest verifies certificates to
// the CA of its MQTT endpoint, so cameras and docks here come from that same CA.
export const testCa = (): KeyAndCert => defaultTestCa();
const identity = (role: 'camera' | 'dock', id: string): KeyAndCert => identityFor(defaultTestCa(), role, id);
export const cameraIdentity = (deviceId: string): KeyAndCert => identity('camera', deviceId);
export const dockIdentity = (dockId: string): DockIdentity => identity('dock', dockId);
export const certB64 = (pem: string): string => new X509Certificate(pem).raw.toString('base64');
export const cameraCertB64 = (deviceId: string): string => certB64(cameraIdentity(deviceId).certPem);

/** Uploader options that make a dock of the test CA, knowing every camera's certificate. */
export const dockAuthFor = (dockId: string) => ({ identity: dockIdentity(dockId), cameraCert: (deviceId: string) => cameraCertB64(deviceId) });

let epoch: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
export const testEpoch = () => (epoch ??= generateKeyPairSync('rsa', { modulusLength: 2048 }));

export interface BuildOptions {
  deviceId?: string;
  clipId?: string;
  startedAt?: string;
  purpose?: string;
  /** Sealing key (default: the camera's own identity key); another key makes a forgery. */
  deviceKey?: KeyObject | string;
  /** Without the final record (a clip cut by a power loss, checkpointed up to its last segment). */
  truncated?: boolean;
  segmentBytes?: number;
}

/**
 * A signed clip of about `bytes` ciphertext bytes, built by the rules of docs/clip-format.md (the
 * writer's job, done in memory so fakes can make clips synchronously).
 */
export function buildSignedClip(bytes: number, o: BuildOptions = {}): { clip: ClipSummary; data: Buffer } {
  const deviceId = o.deviceId ?? 'cam-1';
  const clipId = o.clipId ?? randomUUID();
  const startedAt = o.startedAt ?? new Date(Date.now() - 60_000).toISOString();
  const clipKeys = generateKeyPairSync('ed25519');
  const meta: ClipMeta = {
    clipId, deviceId, startedAt, purpose: o.purpose ?? 'crime-prevention',
    clipKey: Buffer.from(clipKeys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex'), v: 1, epochId: 'epoch-1',
  };
  const pub = testEpoch().publicKey;
  const dataKey = randomBytes(32);
  const noncePrefix = randomBytes(7);
  const wrappedKey = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
  const keyId = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest();
  const body = encodeHeaderBody({ noncePrefix, wrappedKey, keyId, epochId: 'epoch-1', meta, version: VERSION_SIGNED });
  const header = Buffer.concat([body, headerMac(dataKey, body)]);
  const headerHash = createHash('sha256').update(header).digest();
  const segKey = segmentKey(dataKey, headerHash);
  const deviceKey = o.deviceKey ?? createPrivateKey(cameraIdentity(deviceId).keyPem);
  const parts: Buffer[] = [header, encodeHeaderSeal(signData(deviceKey, headerSealMessage(headerHash)))];
  const fileHash = createHash('sha256').update(parts[0]!).update(parts[1]!); // a checkpoint signs the hash of the file before it
  let counter = 0;
  const t0 = Date.parse(startedAt);
  const frame = (type: number, startMs: number, durationMs: number, payload: Buffer, last: boolean, endMs: number) => {
    const c = createCipheriv('aes-256-gcm', segKey, segmentNonce(noncePrefix, counter, last));
    const ct = Buffer.concat([c.update(encodeRecordHeader(type, type === RECORD_VIDEO, startMs, durationMs)), c.update(payload), c.final(), c.getAuthTag()]);
    const prefix = Buffer.alloc(FRAME_PREFIX_LEN);
    prefix.writeUInt32BE(ct.length, 0);
    fileHash.update(prefix).update(ct);
    counter++;
    const cp = { frames: counter, flags: last ? CHECKPOINT_CLOSED : 0, endMs, chain: fileHash.copy().digest() };
    const block = encodeCheckpoint({ ...cp, sig: sign(null, checkpointMessage(cp), clipKeys.privateKey) });
    fileHash.update(block);
    parts.push(prefix, ct, block);
  };
  const seg = o.segmentBytes ?? 64 * 1024;
  const n = Math.max(1, Math.ceil(bytes / seg));
  let left = bytes;
  for (let i = 0; i < n; i++) {
    const len = Math.max(1, Math.min(seg, left));
    left -= len;
    frame(RECORD_VIDEO, t0 + i * 1000, 1000, randomBytes(len), false, t0 + (i + 1) * 1000);
  }
  const stopMs = t0 + n * 1000;
  if (!o.truncated) frame(RECORD_FINAL, stopMs, 0, Buffer.from(JSON.stringify({ segments: n, stoppedAtMs: stopMs })), true, stopMs);
  dataKey.fill(0);
  const data = Buffer.concat(parts);
  const clip: ClipSummary = {
    clipId, deviceId, state: o.truncated ? 'truncated' : 'closed', bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'),
    startedAt, stoppedAt: o.truncated ? null : new Date(stopMs).toISOString(), epochId: 'epoch-1',
  };
  return { clip, data };
}
