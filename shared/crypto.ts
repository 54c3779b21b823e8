// Thin helpers over node:crypto. All bulk crypto, hashing, wrapping and signature checks go through
// node:crypto; node-forge is used only to issue certificates (shared/pki/ca.ts).
import { KeyObject, constants, createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID, sign, verify, type KeyLike } from 'node:crypto';

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
export function newId(): string {
  return randomUUID();
}
export function randomKey(bytes = 32): Buffer {
  return randomBytes(bytes);
}

/**
 * Sign with whatever key type the key is: Ed25519 (pure), RSA (PSS, SHA-256, salt 32) or EC (SHA-256).
 * Returns the raw signature.
 */
export function signData(privateKey: KeyLike, data: Buffer): Buffer {
  const key = privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return sign(null, data, key);
  if (type === 'rsa') return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return sign('sha256', data, key);
}

/** Verify a signature made by signData. Never throws on a bad signature or key; returns false. */
export function verifyData(publicKey: KeyLike, data: Buffer, signature: Buffer): boolean {
  try {
    const key = publicKey instanceof KeyObject ? publicKey : createPublicKey(publicKey);
    const type = key.asymmetricKeyType;
    if (type === 'ed25519') return verify(null, data, key, signature);
    if (type === 'rsa') return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    return verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}
