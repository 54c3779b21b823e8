// The device-log hash-chain rule (docs/device-log.md): written by the camera, checked by central and
// by anyone holding the entries. One owner for the rule, so both sides cannot drift apart.
import { createHash } from 'node:crypto';
import type { DeviceLogEntry } from './evidence.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted (recursively), no whitespace; undefined members dropped as JSON does. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    const s = JSON.stringify(v);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** hash = sha256( ASCII(prevHash hex) || UTF-8(canonicalJson({seq, at, type, data})) ), hex. */
export function entryHash(prevHash: string, e: Pick<DeviceLogEntry, 'seq' | 'at' | 'type' | 'data'>): string {
  return createHash('sha256').update(prevHash, 'ascii').update(canonicalJson({ seq: e.seq, at: e.at, type: e.type, data: e.data }), 'utf8').digest('hex');
}

/** Check a run of entries; `prevHash` is the hash before the first one (genesis when it starts at seq 1). */
export function verifyChain(entries: DeviceLogEntry[], prevHash = GENESIS_HASH): { ok: boolean; brokenAt?: number } {
  let prev = prevHash;
  let expectSeq = entries[0]?.seq ?? 1;
  for (const e of entries) {
    if (e.seq !== expectSeq || e.prevHash !== prev || entryHash(prev, e) !== e.hash) return { ok: false, brokenAt: e.seq };
    prev = e.hash;
    expectSeq++;
  }
  return { ok: true };
}
