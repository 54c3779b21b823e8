import test from 'ava';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ScaledClock } from '../../shared/clock.js';
import { DeviceLog, GENESIS_HASH, canonicalJson, entryHash, verifyChain } from '../../firmware/device-log.js';
import { tempDir } from './helpers.js';

function fill(t: Parameters<typeof tempDir>[0]): { log: DeviceLog; path: string } {
  const path = join(tempDir(t), 'device-log.db');
  const log = new DeviceLog({ path, clock: new ScaledClock(Date.UTC(2026, 0, 1), 1) });
  t.teardown(() => log.close());
  log.append('boot', { deviceId: 'cam-1' });
  log.append('button', { edge: 'down', atMs: 5 });
  log.append('record-start', { clipId: 'c1', prerecordSeconds: 60 });
  log.append('record-stop', { clipId: 'c1', reason: 'long-press' });
  log.append('fault', { kind: 'gps', message: 'NMEA after power-off' });
  return { log, path };
}

test('entries chain from genesis with the documented hash rule', (t) => {
  const { log } = fill(t);
  const all = log.since(0);
  t.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4, 5]);
  t.is(all[0]!.prevHash, GENESIS_HASH);
  for (let i = 1; i < all.length; i++) t.is(all[i]!.prevHash, all[i - 1]!.hash);
  const e = all[2]!;
  const manual = sha256Of(e.prevHash + `{"at":"${e.at}","data":{"clipId":"c1","prerecordSeconds":60},"seq":3,"type":"record-start"}`);
  t.is(e.hash, manual);
  t.is(entryHash(e.prevHash, e), manual);
  t.deepEqual(log.since(3).map((x) => x.seq), [4, 5]);
  t.deepEqual(log.verify(), { ok: true });
  t.deepEqual(verifyChain(log.since(2), all[1]!.hash), { ok: true });
  t.deepEqual(verifyChain(log.since(2)), { ok: false, brokenAt: 3 });
});

function sha256Of(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

test('canonical JSON sorts keys recursively and drops undefined', (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 'x' }], c: undefined } }), '{"a":{"d":[1,{"y":"x","z":1}]},"b":1}');
});

test('editing a row directly in sqlite is detected at that entry', (t) => {
  const { log, path } = fill(t);
  const db = new Database(path);
  db.prepare('UPDATE device_log SET data = ? WHERE seq = 3').run(JSON.stringify({ clipId: 'c1', prerecordSeconds: 10 }));
  db.close();
  t.deepEqual(log.verify(), { ok: false, brokenAt: 3 });
});

test('deleting a row or rewriting its hash is detected', (t) => {
  const a = fill(t);
  let db = new Database(a.path);
  db.prepare('DELETE FROM device_log WHERE seq = 2').run();
  db.close();
  t.deepEqual(a.log.verify(), { ok: false, brokenAt: 3 });
  const b = fill(t);
  db = new Database(b.path);
  db.prepare("UPDATE device_log SET hash = ? WHERE seq = 5").run('f'.repeat(64));
  db.close();
  t.deepEqual(b.log.verify(), { ok: false, brokenAt: 5 });
  const c = fill(t);
  db = new Database(c.path);
  db.prepare('DELETE FROM device_log WHERE seq = 1').run();
  db.close();
  t.deepEqual(c.log.verify(), { ok: false, brokenAt: 2 });
});

test('bad entry types are refused and the log survives reopening', (t) => {
  const { log, path } = fill(t);
  t.throws(() => log.append('Bad Type', {}), { message: /bad entry type/ });
  log.close();
  const again = new DeviceLog({ path, clock: new ScaledClock() });
  const e = again.append('config', { changed: ['purpose'] });
  t.is(e.seq, 6);
  t.deepEqual(again.verify(), { ok: true });
  again.close();
});
