// Receipts: the central store's signed statement that a clip (id + ciphertext SHA-256) is durably stored.
import type { KeyLike } from 'node:crypto';
import { signDocument, type ReceiptBody, type SignedDocument } from '../shared/evidence.js';

export function signReceipt(key: KeyLike, r: { clipId: string; deviceId: string; sha256: string; bytes: number; storeId: string; storedAt?: string }): SignedDocument {
  const body: ReceiptBody = { v: 1, kind: 'clip-receipt', clipId: r.clipId, deviceId: r.deviceId, sha256: r.sha256,
    bytes: r.bytes, storedAt: r.storedAt ?? new Date().toISOString(), storeId: r.storeId };
  return signDocument(body, key);
}
