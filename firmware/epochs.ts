// Which evidence-key epoch new clips are wrapped to. Epoch documents come from the trust store (put
// there by provisioning or by the dock) and count only if the organisation CA signed them.
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { openDocument, type EvidenceEpochBody, type SignedDocument } from '../shared/evidence.js';

export interface EvidenceKey {
  epochId: string;
  publicKey: KeyObject;
  notBefore: number;
  notAfter: number;
}

/** Verified epochs, ordered by notBefore; documents that fail verification are reported, not used. */
export function verifiedEpochs(docs: SignedDocument[], caCertPem: string, onBad?: (reason: string) => void): EvidenceKey[] {
  const caKey = new X509Certificate(caCertPem).publicKey;
  const out: EvidenceKey[] = [];
  for (const doc of docs) {
    try {
      const b = openDocument<EvidenceEpochBody>(doc, caKey, 'evidence-epoch');
      out.push({ epochId: b.epochId, publicKey: createPublicKey(b.publicKeyPem), notBefore: Date.parse(b.notBefore), notAfter: Date.parse(b.notAfter) });
    } catch (err) {
      onBad?.((err as Error).message);
    }
  }
  return out.sort((a, b) => a.notBefore - b.notBefore);
}

/**
 * The epoch valid at `nowMs`; if none is (the camera has not been docked for longer than its
 * epochs reach), the latest one already begun, flagged stale: recording must never stop for want of
 * a fresh key, and a stale epoch only means its key is kept longer at the central store.
 */
export function pickEpoch(epochs: EvidenceKey[], nowMs: number): { key: EvidenceKey; stale: boolean } | undefined {
  const current = epochs.filter((e) => e.notBefore <= nowMs && nowMs < e.notAfter);
  if (current.length > 0) return { key: current[current.length - 1]!, stale: false };
  const begun = epochs.filter((e) => e.notBefore <= nowMs);
  if (begun.length > 0) return { key: begun[begun.length - 1]!, stale: true };
  // Clock behind every epoch (not yet set by a dock): the earliest one is the best guess.
  return epochs.length > 0 ? { key: epochs[0]!, stale: true } : undefined;
}
