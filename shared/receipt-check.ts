// The one check of a central-store receipt, on the camera before it wipes, on the dock before it
// forwards the receipt or asks for the wipe: signed by the trusted central key, version 1, and naming
// exactly this clip of this device with its SHA-256 and size (docs/mqtt-topics.md, clip-receipt).
import type { KeyLike } from 'node:crypto';
import { openDocument, type ReceiptBody, type SignedDocument } from './evidence.js';

export interface ReceiptFor { clipId: string; deviceId: string; sha256: string; bytes: number }

export function verifyReceipt(doc: SignedDocument, centralPublicKey: KeyLike, expect: ReceiptFor): ReceiptBody {
  const body = openDocument<ReceiptBody>(doc, centralPublicKey, 'clip-receipt');
  if (body.v !== 1) throw new Error(`clip-receipt: version ${String(body.v)} unsupported`);
  if (body.clipId !== expect.clipId) throw new Error(`clip-receipt: receipt is for clip ${String(body.clipId)}, not ${expect.clipId}`);
  if (body.deviceId !== expect.deviceId) throw new Error(`clip-receipt: receipt is for device ${String(body.deviceId)}, not ${expect.deviceId}`);
  if (body.sha256 !== expect.sha256) throw new Error(`clip-receipt: receipt sha256 does not match the clip (${expect.sha256})`);
  if (body.bytes !== expect.bytes) throw new Error(`clip-receipt: receipt bytes ${String(body.bytes)} do not match the clip (${expect.bytes})`);
  return body;
}
