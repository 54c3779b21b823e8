// The camera deletes device-log entries central holds (issue 19): only against central's signed
// device-log receipt for this camera and the hash it has itself; the chain goes on from the anchor,
// and the deleted entries' texts are gone from the database file's bytes.
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScaledClock } from '../../shared/clock.js';
import { signDocument, type DeviceLogReceiptBody } from '../../shared/evidence.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { tempDir } from './helpers.js';

const central = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const receipt = (seq: number, hash: string, o: { key?: typeof central.privateKey; deviceId?: string } = {}) =>
  signDocument({ v: 1, kind: 'device-log-receipt', deviceId: o.deviceId ?? 'cam-1', seq, hash, storeId: 'central', storedAt: '2026-01-02T00:00:00.000Z' } satisfies DeviceLogReceiptBody, o.key ?? central.privateKey);

function fill(t: Parameters<typeof tempDir>[0]) {
  const path = join(tempDir(t), 'device-log.db');
  const log = new DeviceLog({ path, clock: new ScaledClock(Date.UTC(2026, 0, 1), 1), receiptKey: central.publicKey });
  t.teardown(() => log.close());
  for (let i = 1; i <= 6; i++) log.append('record-start', { clipId: `clip-number-${i}-of-guard-x` });
  return { log, path };
}

test('a receipt from central deletes the entries through its seq; the chain goes on from the anchor', (t) => {
  const { log, path } = fill(t);
  const at4 = log.since(3, 1)[0]!;
  t.is(log.applyReceipt(receipt(4, at4.hash), 'cam-1'), 4);
  t.deepEqual(log.anchor(), { seq: 4, hash: at4.hash });
  const left = log.since(0);
  t.deepEqual(left.map((e) => e.seq), [5, 6, 7]);
  t.is(left[0]!.prevHash, at4.hash);
  t.deepEqual({ type: left[2]!.type, data: left[2]!.data }, { type: 'log-pruned', data: { throughSeq: 4, entries: 4, storedAt: '2026-01-02T00:00:00.000Z' } });
  t.deepEqual(log.verify(), { ok: true });
  log.append('boot', {});
  t.deepEqual(log.verify(), { ok: true });
  const bytes = readFileSync(path);
  for (let i = 1; i <= 4; i++) t.false(bytes.includes(Buffer.from(`clip-number-${i}-of`)), `entry ${i}'s text is gone from the file`);
  t.true(bytes.includes(Buffer.from('clip-number-5-of')));
  t.is(log.applyReceipt(receipt(4, at4.hash), 'cam-1'), 4, 'the same receipt again prunes nothing more');
});

test('a receipt that is not central\'s, not for this camera, or names another hash deletes nothing', (t) => {
  const { log } = fill(t);
  const at3 = log.since(2, 1)[0]!;
  t.throws(() => log.applyReceipt(receipt(3, at3.hash, { key: stranger.privateKey }), 'cam-1'));
  t.throws(() => log.applyReceipt(receipt(3, at3.hash, { deviceId: 'cam-2' }), 'cam-1'), { message: /for device cam-2, not cam-1/ });
  t.throws(() => log.applyReceipt(receipt(3, 'ab'.repeat(32)), 'cam-1'), { message: /another hash here/ });
  t.throws(() => log.applyReceipt(receipt(9, at3.hash), 'cam-1'), { message: /no entry 9/ });
  t.is(log.since(0).length, 6);
  const unkeyed = new DeviceLog({ path: join(tempDir(t), 'x.db'), clock: new ScaledClock() });
  t.teardown(() => unkeyed.close());
  t.throws(() => unkeyed.applyReceipt(receipt(1, at3.hash), 'cam-1'), { message: /no central key/ });
});
