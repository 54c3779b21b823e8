// The organisation's keys for a simulated fleet, made fresh per run (nothing shared or default):
// CA, dock identity, the central store's receipt key, and today's evidence-key epochs; the files a run
// hands to central and the dock (writeRunKeys) and a camera's trust store (provisionCamera).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignedDocument } from '../../shared/evidence.js';
import { createCA, issueCertificate, signEpoch, type KeyAndCert } from '../../shared/pki/ca.js';
import { writeDurable } from '../../shared/durable-file.js';
import { paths, writeEpoch, writeIdentity } from '../../shared/pki/trust-store.js';

export interface FleetPki {
  ca: KeyAndCert;
  dock: KeyAndCert;
  receiptKey: { privateKey: KeyObject; publicKey: KeyObject };
  /** Evidence epochs (one per day around `nowMs`) with their private keys, as the central store keeps them. */
  epochs: { epochId: string; doc: SignedDocument; privateKey: KeyObject; notBefore: number; notAfter: number }[];
}

const DAY = 86_400_000;

export function createFleetPki(nowMs = Date.now(), days = 2): FleetPki {
  const ca = createCA({ org: 'Simulated Security A/S' });
  const day0 = Math.floor(nowMs / DAY) * DAY;
  const epochs = [];
  for (let d = -1; d < days; d++) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const notBefore = day0 + d * DAY;
    const epochId = `epoch-${new Date(notBefore).toISOString().slice(0, 10)}`;
    const doc = signEpoch({
      v: 1, kind: 'evidence-epoch', epochId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      notBefore: new Date(notBefore).toISOString(), notAfter: new Date(notBefore + DAY).toISOString(),
    }, ca.keyPem);
    epochs.push({ epochId, doc, privateKey, notBefore, notAfter: notBefore + DAY });
  }
  return { ca, dock: issueCertificate({ role: 'dock', id: 'dock-1', ca }), receiptKey: generateKeyPairSync('ed25519'), epochs };
}

/** What `bodycam provision camera` writes, for a simulated camera's trust dir. */
export function provisionCamera(pki: FleetPki, trustDir: string, deviceId: string, o: { epochs?: number } = {}): void {
  const id = issueCertificate({ role: 'camera', id: deviceId, ca: pki.ca });
  writeIdentity(trustDir, id.keyPem, id.certPem);
  const p = paths(trustDir);
  writeDurable(p.ca, pki.ca.certPem);
  writeDurable(p.centralReceiptPub, pki.receiptKey.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  for (const e of pki.epochs.slice(0, o.epochs ?? pki.epochs.length)) writeEpoch(trustDir, e.epochId, e.doc);
}

export const epochDocsDir = (root: string) => join(root, 'epochs');

const pem = (k: { export(o: object): string | Buffer }, type: 'spki' | 'pkcs8') => k.export({ type, format: 'pem' }) as string;

/** A run's keys as provisioning lays them out for central and the dock; returns the keys directory. */
export async function writeRunKeys(root: string, pki: FleetPki): Promise<string> {
  const keys = join(root, 'keys');
  await mkdir(join(keys, 'epochs'), { recursive: true });
  await writeFile(join(keys, 'receipt.key.pem'), pem(pki.receiptKey.privateKey, 'pkcs8'), { mode: 0o600 });
  await writeFile(join(keys, 'receipt.pub.pem'), pem(pki.receiptKey.publicKey, 'spki'));
  await writeFile(join(keys, 'dock.key.pem'), pki.dock.keyPem, { mode: 0o600 });
  await writeFile(join(keys, 'dock.cert.pem'), pki.dock.certPem);
  await writeFile(join(keys, 'ca.pem'), pki.ca.certPem);
  for (const e of pki.epochs) await writeFile(join(keys, 'epochs', `${e.epochId}.json`), JSON.stringify(e.doc));
  return keys;
}
