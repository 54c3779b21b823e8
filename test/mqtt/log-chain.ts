// Device-log entries chained by the real rule, as an attacker (or the camera's DeviceLog) would write them.
import { entryHash, GENESIS_HASH } from '../../shared/device-log-chain.js';
import type { DeviceLogEntry } from '../../shared/evidence.js';

/** n chained device-log entries after `after` (seq and hash). */
export function chainAfter(n: number, after: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }, type = 'button'): DeviceLogEntry[] {
  const out: DeviceLogEntry[] = [];
  let prev = after.hash;
  for (let i = 1; i <= n; i++) {
    const e = { seq: after.seq + i, at: new Date(Date.now() + i).toISOString(), type, data: { i } };
    const hash = entryHash(prev, e);
    out.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}
