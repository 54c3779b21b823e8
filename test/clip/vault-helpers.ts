// Fixtures for vault tests: a Vault + DeviceLog on a temp flash dir, receipts, and a byte scanner.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../shared/clock.js';
import { signDocument, type ClipSummary, type ReceiptBody, type SignedDocument } from '../../shared/evidence.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { Vault } from '../../firmware/vault/vault.js';
import { rsaPair } from './helpers.js';

export const evidence = rsaPair();
export const store = generateKeyPairSync('ed25519');
export const device = generateKeyPairSync('ed25519');

export function openVault(dir: string, o: { deviceKey?: KeyObject | null } = {}): { vault: Vault; log: DeviceLog } {
  const log = new DeviceLog({ path: join(dir, 'device-log.db'), clock: systemClock });
  const vault = new Vault({
    dir, deviceId: 'cam-7', clock: systemClock, evidenceKey: { epochId: 'epoch-2026', publicKey: evidence.publicKey },
    receiptPublicKey: store.publicKey, deviceKey: o.deviceKey === null ? undefined : (o.deviceKey ?? device.privateKey), log,
    discard: async () => 'discard-unsupported',
  });
  return { vault, log };
}

export function receiptFor(c: ClipSummary, over: Partial<ReceiptBody> = {}, key: KeyObject = store.privateKey): SignedDocument {
  const body: ReceiptBody = {
    v: 1, kind: 'clip-receipt', clipId: c.clipId, deviceId: c.deviceId, sha256: c.sha256!, bytes: c.bytes,
    storedAt: new Date().toISOString(), storeId: 'central-1', ...over,
  };
  return signDocument(body, key);
}

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Every file under dir that contains any of the needles; returns "file: needle#i" hits. */
export function scan(dir: string, needles: Buffer[]): string[] {
  const hits: string[] = [];
  for (const f of filesUnder(dir)) {
    const bytes = readFileSync(f);
    needles.forEach((n, i) => {
      if (bytes.indexOf(n) !== -1) hits.push(`${f}: needle#${i}`);
    });
  }
  return hits;
}

export function windows(buf: Buffer, size = 32): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o + size <= buf.length; o += size) out.push(buf.subarray(o, o + size));
  return out;
}
