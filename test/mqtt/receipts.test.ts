import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { signReceipt } from '../../central-store/storage-receipts.js';
import { signDocument } from '../../shared/evidence.js';
import { verifyReceipt } from '../../shared/receipt-check.js';

const central = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const r = { clipId: 'clip-a', deviceId: 'cam-1', sha256: 'a'.repeat(64), bytes: 10, storeId: 's1' };

test('a receipt verifies only with the central key and only for its exact clip id, device, hash and size', (t) => {
  const doc = signReceipt(central.privateKey, r);
  const exact = { clipId: 'clip-a', deviceId: 'cam-1', sha256: r.sha256, bytes: 10 };
  t.is(verifyReceipt(doc, central.publicKey, exact).storeId, 's1');
  t.throws(() => verifyReceipt(signReceipt(other.privateKey, r), central.publicKey, exact), { message: /signature does not verify/ });
  t.throws(() => verifyReceipt(doc, central.publicKey, { ...exact, clipId: 'clip-b' }), { message: /receipt is for clip clip-a, not clip-b/ }, 'replayed for another clip');
  t.throws(() => verifyReceipt(doc, central.publicKey, { ...exact, deviceId: 'cam-2' }), { message: /receipt is for device cam-1, not cam-2/ }, 'replayed for another camera');
  t.throws(() => verifyReceipt(doc, central.publicKey, { ...exact, sha256: 'b'.repeat(64) }), { message: /sha256/ });
  t.throws(() => verifyReceipt(doc, central.publicKey, { ...exact, bytes: 11 }), { message: /bytes/ });
  const tampered = { ...doc, body: doc.body.replace('clip-a', 'clip-b') };
  t.throws(() => verifyReceipt(tampered, central.publicKey, { ...exact, clipId: 'clip-b' }), { message: /signature does not verify/ });
  // A body signed by the right key but of another version is refused.
  const v2 = signDocument({ ...JSON.parse(doc.body), v: 2 }, central.privateKey);
  t.throws(() => verifyReceipt(v2, central.publicKey, exact), { message: /version 2 unsupported/ });
});
