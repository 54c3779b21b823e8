// Check a central-store receipt against the trusted central public key and the exact clip it must name.
import type { KeyLike } from 'node:crypto';
import { openDocument, type ReceiptBody, type SignedDocument } from '../evidence.js';

export function verifyReceipt(doc: SignedDocument, centralPublicKey: KeyLike, expect: { clipId: string; sha256: string; bytes?: number }): ReceiptBody {
  const body = openDocument<ReceiptBody>(doc, centralPublicKey, 'clip-receipt');
  if (body.clipId !== expect.clipId) throw new Error(`clip-receipt: names clip ${body.clipId}, expected ${expect.clipId}`);
  if (body.sha256 !== expect.sha256) throw new Error(`clip-receipt: sha256 ${body.sha256} does not match ${expect.sha256}`);
  if (expect.bytes !== undefined && body.bytes !== expect.bytes) throw new Error(`clip-receipt: bytes ${body.bytes} does not match ${expect.bytes}`);
  return body;
}
