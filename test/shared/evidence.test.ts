import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { openDocument, signDocument, type ReceiptBody } from '../../shared/evidence.js';

const body: ReceiptBody = { v: 1, kind: 'clip-receipt', clipId: 'c1', deviceId: 'cam-1', sha256: 'ab'.repeat(32), bytes: 10, storedAt: '2026-01-01T00:00:00Z', storeId: 's' };

for (const type of ['ed25519', 'rsa'] as const) {
  const kp = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');

  test(`${type}: a signed receipt opens with the signer's key`, (t) => {
    const doc = signDocument(body, kp.privateKey);
    t.deepEqual(openDocument<ReceiptBody>(doc, kp.publicKey, 'clip-receipt'), body);
  });

  test(`${type}: a changed body, another key or another kind is refused with the reason`, (t) => {
    const doc = signDocument(body, kp.privateKey);
    t.throws(() => openDocument({ ...doc, body: doc.body.replace('c1', 'c2') }, kp.publicKey, 'clip-receipt'), { message: /signature does not verify/ });
    t.throws(() => openDocument(doc, other.publicKey, 'clip-receipt'), { message: /signature does not verify/ });
    t.throws(() => openDocument(doc, kp.publicKey, 'wipe-certificate'), { message: /expected a wipe-certificate/ });
  });
}
