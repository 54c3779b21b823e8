import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { signReceipt, verifyReceipt } from '../../central-store/receipts.js';

const central = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const r = { clipId: 'clip-a', deviceId: 'cam-1', sha256: 'a'.repeat(64), bytes: 10, storeId: 's1' };

test('a receipt verifies only with the central key and only for its exact clip id, hash and size', (t) => {
  const doc = signReceipt(central.privateKey, r);
  t.is(verifyReceipt(doc, central.publicKey, { clipId: 'clip-a', sha256: r.sha256, bytes: 10 }).storeId, 's1');
  t.throws(() => verifyReceipt(signReceipt(other.privateKey, r), central.publicKey, { clipId: 'clip-a', sha256: r.sha256 }), { message: /signature does not verify/ });
  t.throws(() => verifyReceipt(doc, central.publicKey, { clipId: 'clip-b', sha256: r.sha256 }), { message: /names clip clip-a/ }, 'replayed for another clip');
  t.throws(() => verifyReceipt(doc, central.publicKey, { clipId: 'clip-a', sha256: 'b'.repeat(64) }), { message: /sha256/ });
  t.throws(() => verifyReceipt(doc, central.publicKey, { clipId: 'clip-a', sha256: r.sha256, bytes: 11 }), { message: /bytes/ });
  const tampered = { ...doc, body: doc.body.replace('clip-a', 'clip-b') };
  t.throws(() => verifyReceipt(tampered, central.publicKey, { clipId: 'clip-b', sha256: r.sha256 }), { message: /signature does not verify/ });
});
