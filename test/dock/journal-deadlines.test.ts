// The dock's journal keeps central's device-log receipt only until the camera pruned, and forgets a
// camera that has not docked for deadlines.deviceDays (issue 19).
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../dock-agent/journal.js';
import { parseDockConfig } from '../../dock-agent/config.js';

const doc = (seq: number) => ({ body: JSON.stringify({ v: 1, kind: 'device-log-receipt', deviceId: 'cam-gone', seq, hash: 'h' }), sig: 's', keyId: 'k' });

test('a receipt stays until the camera pruned through it; a camera not seen for the deadline is forgotten, bytes too', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'journal-dl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'journal.db');
  const j = Journal.open(file);
  const long = new Date(Date.now() - 40 * 86_400_000);
  j.setLogSeq('cam-gone', 7, long);
  j.setCameraCert('cam-gone', 'Q0VSVC1PRi1DQU0tR09ORQ==');
  j.setLogReceipt('cam-gone', 7, doc(7));
  j.setLogSeq('cam-here', 3);
  t.deepEqual(j.logReceipt('cam-gone'), doc(7));
  j.cameraPruned('cam-gone', 5);
  t.truthy(j.logReceipt('cam-gone'), 'pruned short of the receipt: kept');
  j.cameraPruned('cam-gone', 7);
  t.is(j.logReceipt('cam-gone'), null);
  j.setLogReceipt('cam-gone', 7, doc(7));
  // The certificate was seen now: make it old as well.
  j.seen('cam-gone', long);
  const r = j.pruneDevices(new Date(Date.now() - 30 * 86_400_000));
  t.deepEqual(r, { devices: 1, certs: 1 });
  t.is(j.logSeq('cam-gone'), 0);
  t.is(j.logSeq('cam-here'), 3);
  j.close();
  const bytes = readFileSync(file);
  t.false(bytes.includes(Buffer.from('cam-gone')), 'the camera id is gone from the file');
  t.false(bytes.includes(Buffer.from('Q0VSVC1PRi1DQU0tR09ORQ')), 'its certificate too');
});

test('deadlines.deviceDays is validated with a maximum', (t) => {
  const base = { dockId: 'd', mqttUrl: 'mqtts://127.0.0.1', centralPublicKeyPath: 'k', spoolDir: 's', journalPath: 'j', epochsDir: 'e', usb: { vendorId: 1, productId: 2 }, auth: { certPath: 'c', keyPath: 'k', caCertPath: 'a' } };
  t.is(parseDockConfig(base).deadlines.deviceDays, 30);
  t.throws(() => parseDockConfig({ ...base, deadlines: { deviceDays: 366 } }), { name: 'ConfigError', message: /config\.deadlines\.deviceDays: at most 365/ });
});
