// GET_LOG with central's device-log receipt (issue 19): over the real link, the camera prunes what the
// receipt covers before it answers, says where its log now starts, and a bad receipt changes nothing.
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { duplexPair } from '../../hardware-sim/serial.js';
import { ScaledClock } from '../../shared/clock.js';
import { signDocument, type DeviceLogReceiptBody } from '../../shared/evidence.js';
import { FakeVault, makePki, startCamera } from './helpers.js';

const pki = makePki();
const central = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');

async function setup(t: { teardown(f: () => void | Promise<void>): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'log-receipt-'));
  const log = new DeviceLog({ path: join(dir, 'device-log.db'), clock: new ScaledClock(Date.UTC(2026, 0, 1), 1), receiptKey: central.publicKey });
  for (let i = 1; i <= 5; i++) log.append('record-start', { clipId: `c${i}` });
  const events: string[] = [];
  const [dockEnd, camEnd] = duplexPair();
  const cam = startCamera(camEnd, pki, new FakeVault(), { log, onEvent: (type: string) => void events.push(type) });
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(async () => { await s.close(); cam.close(); log.close(); rmSync(dir, { recursive: true, force: true }); });
  return { log, s, events };
}
const receipt = (deviceId: string, seq: number, hash: string, key = central.privateKey) =>
  signDocument({ v: 1, kind: 'device-log-receipt', deviceId, seq, hash, storeId: 'central', storedAt: '2026-01-02T00:00:00.000Z' } satisfies DeviceLogReceiptBody, key);

test('a receipt in GET_LOG prunes through its seq; the answer says where the log starts', async (t) => {
  const { log, s, events } = await setup(t);
  const first = await s.fetchSignedLog(0, null);
  t.deepEqual(first.entries.map((e) => e.seq), [1, 2, 3, 4, 5]);
  t.is(first.prunedThrough, 0);
  const r = await s.fetchSignedLog(5, receipt('cam-7', 3, first.entries[2]!.hash));
  t.is(r.prunedThrough, 3);
  t.deepEqual(r.entries.map((e) => e.type), ['log-pruned']);
  t.deepEqual(log.since(0).map((e) => e.seq), [4, 5, 6]);
  t.deepEqual(log.verify(), { ok: true });
  t.deepEqual(events.filter((e) => e !== 'dock-authenticated'), []);
});

test('a receipt from another key or for another camera is refused, logged, and GET_LOG answers as usual', async (t) => {
  const { log, s, events } = await setup(t);
  const all = log.since(0);
  const r1 = await s.fetchSignedLog(0, receipt('cam-7', 3, all[2]!.hash, stranger.privateKey));
  t.is(r1.prunedThrough, 0);
  const r2 = await s.fetchSignedLog(0, receipt('cam-8', 3, all[2]!.hash));
  t.is(r2.prunedThrough, 0);
  t.deepEqual(events.filter((e) => e !== 'dock-authenticated'), ['log-receipt-refused', 'log-receipt-refused']);
  t.deepEqual(log.since(0).slice(0, 5).map((e) => e.seq), [1, 2, 3, 4, 5]);
});
