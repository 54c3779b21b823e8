// The organisation's keys for a simulated fleet, made fresh per run (nothing shared or default):
// CA, dock identity, the central store's receipt key, and today's evidence-key epochs.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
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
