// GET_LOG on the dock link: device log entries after a seq, in pages, with this camera's signed head.
import type { KeyObject } from 'node:crypto';
import { signDocument, type DeviceLogEntry, type DeviceLogHeadBody } from '../../shared/evidence.js';
import { encodeJson } from '../../shared/wire/messages.js';
import { json, uint } from './fields.js';

/** Bytes of GET_LOG entries per response, well under the frame cap. */
const LOG_BUDGET = 512 * 1024;

export function logServer(log: { since(seq: number): DeviceLogEntry[] }, deviceId: string, key: KeyObject) {
  return (p: Buffer): Buffer => {
    const req = json<{ sinceSeq?: unknown; maxBytes?: unknown }>(p, 'GET_LOG');
    const sinceSeq = uint(req.sinceSeq, 'sinceSeq');
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
    return encodeJson({ entries, more: entries.length < all.length, ...(head ? { head } : {}) });
  };
}
