// What the dock hands the camera's trust store over the link: evidence-key epochs (INSTALL_EPOCHS) and
// the newest CA-signed revocation list (INSTALL_CRL). Only what the organisation CA signed is kept.
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { openDocument, type EvidenceEpochBody, type SignedDocument } from '../../shared/evidence.js';
import { RevocationStore } from '../../shared/pki/revocation-store.js';
import { writeEpoch } from '../../shared/pki/trust-store.js';
import { ErrorCode, WireError, encodeJson } from '../../shared/wire/messages.js';
import { bad, json, str } from './fields.js';

export interface TrustInstallOptions {
  caCertPem: string;
  /** Device trust store directory: epochs go to trust/epochs/<epochId>.json, the list to trust/crl.json. */
  trustDir?: string;
  /** Called with epochs whose CA signature verified (after they were stored when trustDir is set). */
  onInstallEpochs?: (epochs: { doc: SignedDocument; body: EvidenceEpochBody }[]) => void | Promise<void>;
  event: (type: string, data: Record<string, unknown>) => void;
}

export function trustInstaller(o: TrustInstallOptions) {
  const caPublicKey = new X509Certificate(o.caCertPem).publicKey;
  // The newest CA-signed revocation list this camera was given (trust/crl.json): consulted for every
  // dock and technician at HELLO; replaced only by a higher-numbered list (INSTALL_CRL).
  const revocation = new RevocationStore(o.trustDir ? path.join(o.trustDir, 'trust', 'crl.json') : null, o.caCertPem);

  return {
    revocation,

    async installEpochs(p: Buffer): Promise<Buffer> {
      const { epochs } = json<{ epochs?: unknown }>(p, 'INSTALL_EPOCHS');
      if (!Array.isArray(epochs)) throw bad('epochs: expected an array of signed documents');
      const verified: { doc: SignedDocument; body: EvidenceEpochBody }[] = [];
      for (const [i, doc] of (epochs as SignedDocument[]).entries()) {
        try {
          const body = openDocument<EvidenceEpochBody>(doc, caPublicKey, 'evidence-epoch');
          str(body.epochId, 'epochId');
          verified.push({ doc, body });
        } catch (err) {
          o.event('epoch-refused', { index: i, reason: (err as Error).message });
          throw new WireError(ErrorCode.EPOCH_REFUSED, `epochs[${i}]: ${(err as Error).message}`);
        }
      }
      // All verified before any is stored: a bad batch installs nothing.
      if (o.trustDir) for (const v of verified) writeEpoch(o.trustDir, v.body.epochId, v.doc);
      await o.onInstallEpochs?.(verified);
      return encodeJson({ installed: verified.map((v) => v.body.epochId) });
    },

    installCrl(p: Buffer): Buffer {
      const { list } = json<{ list?: unknown }>(p, 'INSTALL_CRL');
      try {
        const r = revocation.offer(list);
        if (r.installed) o.event('crl-installed', { number: r.number, revoked: revocation.current().list?.revoked.length ?? 0 });
        return encodeJson({ installed: r.installed, number: r.number });
      } catch (err) {
        o.event('crl-refused', { reason: (err as Error).message });
        throw new WireError(ErrorCode.CRL_REFUSED, `list: ${(err as Error).message}`);
      }
    },
  };
}
