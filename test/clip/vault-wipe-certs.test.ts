// A wipe's certificate outlives a lost answer: the vault keeps it (in the same transaction that deletes
// the clip's row) and answers the same receipt with it again, until central's signed receipt for the
// device log covers the wipe's entry (the dock relays it with GET_LOG once it has taken the certificate).
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceLog } from '../../firmware/device-log.js';
import { Vault } from '../../firmware/vault/vault.js';
import { systemClock } from '../../shared/clock.js';
import { signDocument, type DeviceLogReceiptBody } from '../../shared/evidence.js';
import { tempDir } from './helpers.js';
import { device, evidence, receiptFor, store } from './vault-helpers.js';

function open(dir: string) {
  const log = new DeviceLog({ path: join(dir, 'device-log.db'), clock: systemClock, receiptKey: store.publicKey });
  const vault = new Vault({
    dir, deviceId: 'cam-7', clock: systemClock, evidenceKey: { epochId: 'epoch-2026', publicKey: evidence.publicKey },
    receiptPublicKey: store.publicKey, deviceKey: device.privateKey, log, discard: async () => 'discard-unsupported',
  });
  return { vault, log, close: () => { vault.close(); log.close(); } };
}

async function recordOne(vault: Vault) {
  const c = await vault.beginClip({ startedAtMs: 1_700_000_000_000, purpose: 'crime-prevention' });
  await c.appendSegment({ startMs: 1_700_000_000_000, durationMs: 1000, keyframe: true, data: Buffer.alloc(20_000, 3) });
  return c.close(1_700_000_001_000);
}

test('a lost wipe answer: the same receipt gets the same certificate after a restart; dropped once the device-log receipt covers the wipe', async (t) => {
  const dir = tempDir(t);
  let v = open(dir);
  const clip = await recordOne(v.vault);
  const receipt = receiptFor(clip);
  const cert = await v.vault.wipe(clip.clipId, receipt);
  t.is(v.vault.keptWipeCertificates(), 1);
  // The dock never got the answer; the camera restarts; the dock asks again with the same receipt.
  v.close();
  v = open(dir);
  t.teardown(() => v.close());
  t.deepEqual(v.vault.list(), []);
  t.deepEqual(await v.vault.wipe(clip.clipId, receipt), cert);
  // Any dock may ask for it (WIPE_CERTS), pages by `skip`.
  t.deepEqual(v.vault.wipeCertificatesKept(0, 64), [cert]);
  t.deepEqual(v.vault.wipeCertificatesKept(1, 64), []);
  // Another receipt (another store's, or forged) gets nothing.
  await t.throwsAsync(v.vault.wipe(clip.clipId, receiptFor(clip, { storeId: 'other' })), { message: /wipe refused: no clip/ });

  // Central receipts the device log through the wipe's entry; the dock relays it (GET_LOG): the certificate goes.
  const wipeEntry = v.log.since(0).find((e) => e.type === 'wipe')!;
  t.truthy(wipeEntry);
  const body: DeviceLogReceiptBody = { v: 1, kind: 'device-log-receipt', deviceId: 'cam-7', seq: wipeEntry.seq, hash: wipeEntry.hash, storeId: 'store-1', storedAt: new Date().toISOString() };
  v.log.applyReceipt(signDocument(body, store.privateKey), 'cam-7');
  t.deepEqual(v.vault.list(), []);
  t.is(v.vault.keptWipeCertificates(), 0);
  t.deepEqual(v.vault.wipeCertificatesKept(0, 64), []);
  await t.throwsAsync(v.vault.wipe(clip.clipId, receipt), { message: /wipe refused: no clip/ });
  // And nothing of it is left in the index files (secure_delete, journal scrubbed).
  for (const f of [join(dir, 'index.db'), join(dir, 'index.db-journal')].filter(existsSync)) {
    t.is(readFileSync(f).indexOf(Buffer.from(clip.clipId)), -1, f);
  }
});

test('a certificate whose wipe entry the log receipt does not reach yet is kept', async (t) => {
  const dir = tempDir(t);
  const v = open(dir);
  t.teardown(() => v.close());
  const a = await recordOne(v.vault);
  const b = await recordOne(v.vault);
  await v.vault.wipe(a.clipId, receiptFor(a));
  // A receipt for the log before b's wipe covers a's entry only.
  const last = v.log.since(0).at(-1)!;
  v.log.applyReceipt(signDocument({ v: 1, kind: 'device-log-receipt', deviceId: 'cam-7', seq: last.seq, hash: last.hash, storeId: 's', storedAt: new Date().toISOString() } satisfies DeviceLogReceiptBody, store.privateKey), 'cam-7');
  const receiptB = receiptFor(b);
  const certB = await v.vault.wipe(b.clipId, receiptB);
  t.is(v.vault.keptWipeCertificates(), 1);
  t.deepEqual(await v.vault.wipe(b.clipId, receiptB), certB);
  await t.throwsAsync(v.vault.wipe(a.clipId, receiptFor(a)), { message: /no clip/ });
});
