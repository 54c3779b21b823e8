// GET_LOG on the dock link: device log entries after a seq, in pages, with this camera's signed head;
// central's device-log receipt, when the dock brings one, prunes what central holds first (issue 19).
import type { KeyObject } from 'node:crypto';
import { signDocument, type DeviceLogEntry, type DeviceLogHeadBody, type SignedDocument } from '../../shared/evidence.js';
import { encodeJson } from '../../shared/wire/messages.js';
import { bad, json, uint } from './fields.js';

/** applyReceipt: prune what the receipt covers (firmware/device-log.ts); anchor: the seq the log starts after. */
export interface LogSource { since(seq: number): DeviceLogEntry[]; applyReceipt?(receipt: SignedDocument, deviceId: string): number; anchor?(): { seq: number } }

/** Bytes of GET_LOG entries per response, well under the frame cap. */
const LOG_BUDGET = 512 * 1024;

export function logServer(log: LogSource, deviceId: string, key: KeyObject, event: (type: string, data: Record<string, unknown>) => void = () => undefined) {
  return (p: Buffer): Buffer => {
    const req = json<{ sinceSeq?: unknown; maxBytes?: unknown; receipt?: unknown }>(p, 'GET_LOG');
    const sinceSeq = uint(req.sinceSeq, 'sinceSeq');
    // Central's receipt for entries it holds: those are deleted here first. A bad one is logged, not fatal.
    if (req.receipt !== undefined && log.applyReceipt) {
      const r = req.receipt as SignedDocument;
      if (!r || typeof r !== 'object' || typeof r.body !== 'string' || typeof r.sig !== 'string' || typeof r.keyId !== 'string') throw bad('receipt: expected a signed document');
      try { log.applyReceipt(r, deviceId); } catch (err) { event('log-receipt-refused', { reason: (err as Error).message }); }
    }
    const prunedThrough = log.anchor?.().seq;
    // The dock shrinks its page on a noisy line, as it does for READ: a big frame rarely crosses intact.
    const budget = req.maxBytes === undefined ? LOG_BUDGET : Math.min(LOG_BUDGET, Math.max(1, uint(req.maxBytes, 'maxBytes')));
    const all = log.since(sinceSeq);
    const entries: DeviceLogEntry[] = [];
    let size = 0;
    for (const e of all) {
      size += JSON.stringify(e).length + 1;
      if (entries.length > 0 && size > budget) break;
      entries.push(e);
    }
    // The camera signs the head of what it hands over: the last entry's hash chains back over the rest,
    // so central can tell these entries from any a broker client makes up (docs/device-log.md).
    const last = entries[entries.length - 1];
    const head = last && signDocument({ v: 1, kind: 'device-log-head', deviceId, seq: last.seq, hash: last.hash } satisfies DeviceLogHeadBody, key);
    return encodeJson({ entries, more: entries.length < all.length, ...(head ? { head } : {}), ...(prunedThrough !== undefined ? { prunedThrough } : {}) });
  };
}
