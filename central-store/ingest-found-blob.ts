// A blob found under a clip's key with no index row for it (docs/threat-model.md, "Several central
// nodes"): a node crashed between storing and indexing, or another node stored it a moment ago and is
// indexing it now. Only verified clips are ever put, so a found blob is destroyed only when it is shown
// not to be a clip its camera sealed under this id: a meta (any dock can send one, naming any hash and
// camera) never decides, else a hostile dock's meta could make a node destroy another node's just-stored
// authentic clip before its row lands, and that node would still receipt it.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { parseHeader, MAX_HEADER_LEN } from '../shared/clip/format.js';
import { verifyClipStream, type SignedFacts } from '../shared/clip/signature.js';
import type { ClipMeta } from '../shared/mqtt/codec.js';
import type { VerifiedAuth } from '../shared/mqtt/dock-auth.js';
import type { BlobPort } from './blob/port.js';
import type { Index } from './index/port.js';
import { cameraCertsOfDevice } from './index/tables/camera-certs.js';

export type FoundBlob =
  /** This upload's clip (its hash, sealed by its camera): index it. */
  | { kind: 'these'; facts: SignedFacts }
  /** A clip its camera sealed under this id, not this upload (or one central cannot judge yet): keep it. */
  | { kind: 'keep'; reason: string }
  /** Not a clip sealed under this id by the camera it names: may be destroyed. */
  | { kind: 'junk'; reason: string };

async function head(blobs: BlobPort, key: string, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of blobs.read(key, { start: 0, end: Math.min(size, MAX_HEADER_LEN) - 1 })) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

export async function judgeFoundBlob(index: Index, blobs: BlobPort, key: string, meta: ClipMeta, auth: VerifiedAuth): Promise<FoundBlob> {
  const size = await blobs.size(key);
  let deviceId: string, clipId: string;
  try {
    const h = parseHeader(await head(blobs, key, size));
    deviceId = h.meta.deviceId; clipId = h.meta.clipId;
  } catch (err) {
    return { kind: 'junk', reason: `not a clip (${(err as Error).message})` };
  }
  if (clipId !== key) return { kind: 'junk', reason: `its header names clip ${String(clipId)}` };
  // The keys that could have sealed it: this upload's camera if it is the device named, and every
  // certificate central keeps for that device.
  const keys: { key: KeyObject; ours: boolean }[] = [];
  if (deviceId === auth.camera.id) keys.push({ key: auth.camera.cert.publicKey, ours: true });
  for (const der of await index.tx((u) => cameraCertsOfDevice(u, deviceId))) keys.push({ key: new X509Certificate(Buffer.from(der, 'base64')).publicKey, ours: false });
  if (keys.length === 0) return { kind: 'keep', reason: `it names device ${String(deviceId)}, whose certificate central does not hold yet` };
  for (const k of keys) {
    let facts: SignedFacts;
    try { facts = await verifyClipStream(blobs.read(key), size, k.key); } catch { continue; }
    if (k.ours && facts.sha256 === meta.sha256 && size === meta.bytes) return { kind: 'these', facts };
    return { kind: 'keep', reason: `it is ${String(deviceId)}'s clip sealed under this id (sha256 ${facts.sha256})` };
  }
  return { kind: 'junk', reason: `no certificate of ${String(deviceId)} verifies it` };
}
