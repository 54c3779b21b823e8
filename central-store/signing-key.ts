// The store's Ed25519 signing key (storage receipts to docks, deletion receipts): generated on first
// start and kept only sealed (AES-256-GCM) under the master key; the public half is written in clear
// for docks and auditors.
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeDurableAsync, writeDurableExclusive } from '../shared/durable-file.js';

const AAD = Buffer.from('bodycam central store signing key v1', 'utf8');

/**
 * The sealed key in `file`, made on first start. Nodes sharing the keys directory (config keysDir) sign
 * with one key: the first to create it wins, the others open it. The public half is (re)written to
 * `pubFile` when missing or different (each node's data directory has its copy).
 */
export async function loadOrCreateSigningKey(file: string, pubFile: string, masterKey: Buffer): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeSealed(file, masterKey, privateKey);
  }
  const k = openSigningKey(file, masterKey);
  const pem = k.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  if (!existsSync(pubFile) || readFileSync(pubFile, 'utf8') !== pem) await writeDurableAsync(pubFile, pem, 0o644);
  return k;
}

/** Open the sealed key; throws when it does not open with `masterKey` (so this also proves a master key). */
export function openSigningKey(file: string, masterKey: Buffer): { privateKey: KeyObject; publicKey: KeyObject } {
  const s = JSON.parse(readFileSync(file, 'utf8')) as { iv: string; tag: string; ciphertext: string };
  let der: Buffer;
  try {
    const d = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(s.iv, 'base64'));
    d.setAAD(AAD);
    d.setAuthTag(Buffer.from(s.tag, 'base64'));
    der = Buffer.concat([d.update(Buffer.from(s.ciphertext, 'base64')), d.final()]);
  } catch { throw new Error(`signing key ${file}: does not open with this master key`); }
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Keep a given Ed25519 key as the store's signing key (e.g. the fleet simulator's receipt key), sealed as above. */
export async function sealSigningKey(file: string, pubFile: string, masterKey: Buffer, privateKey: KeyObject): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw new Error('signing key: must be an Ed25519 private key');
  if (!await writeSealed(file, masterKey, privateKey)) throw new Error(`signing key ${file}: already exists`);
  const publicKey = createPublicKey(privateKey);
  await writeDurableAsync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
  return { privateKey, publicKey };
}

/** Seal `privateKey` into a new `file`; false (nothing written) when the file is already there. */
async function writeSealed(file: string, masterKey: Buffer, privateKey: KeyObject): Promise<boolean> {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', masterKey, iv);
  c.setAAD(AAD);
  const ct = Buffer.concat([c.update(privateKey.export({ type: 'pkcs8', format: 'der' })), c.final()]);
  return writeDurableExclusive(file, JSON.stringify({ v: 1, alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ciphertext: ct.toString('base64') }), 0o600);
}
