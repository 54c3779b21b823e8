// The record deadlines at the central store, table by table: a camera's stored device log is cut as a
// prefix with a chain anchor (a resent old run does not come back, the next run links on, entries
// naming a held clip stay), a held clip keeps its wipe certificate, and the deleted texts leave the file.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateIngest, purgeDeviceLog, purgeWipeCerts, insertWipeCert, storeDeviceLog, type LogEntryIn } from '../../central-store/clips-index.js';
import { openCentralDb } from '../../central-store/db.js';
import { migrateHolds, placeHold } from '../../central-store/holds.js';
import { migrateRetention } from '../../central-store/retention.js';
import { entryHash, GENESIS_HASH } from '../../shared/device-log-chain.js';

function chain(n: number, from = 1, prev = GENESIS_HASH, clip = (i: number) => `clip-${i}-of-guard-x`): LogEntryIn[] {
  const out: LogEntryIn[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const e = { seq, at: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(), type: 'record-start', data: { clipId: clip(seq) } };
    const hash = entryHash(prev, e);
    const full = { ...e, prevHash: prev, hash };
    out.push({ ...full, json: JSON.stringify(full) });
    prev = hash;
  }
  return out;
}

function store(t: { teardown(f: () => void): void }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deadlines-'));
  const file = path.join(dir, 'central.db');
  const db = openCentralDb(file);
  t.teardown(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });
  migrateIngest(db); migrateRetention(db); migrateHolds(db);
  return { db, file };
}

test('a camera\'s log is cut as a prefix with an anchor; a resent run does not come back; the next run links on', (t) => {
  const { db, file } = store(t);
  const first = chain(5);
  t.deepEqual(storeDeviceLog(db, 'cam-1', 'dock-1', first), { gap: null, fork: null });
  const later = new Date(Date.now() + 1000).toISOString();
  t.is(purgeDeviceLog(db, later, later), 5);
  t.is((db.prepare('SELECT COUNT(*) AS n FROM device_log_entries').get() as { n: number }).n, 0);
  t.deepEqual(db.prepare('SELECT device_id, seq, hash FROM device_log_anchors').all(), [{ device_id: 'cam-1', seq: 5, hash: first[4]!.hash }]);
  t.false(readFileSync(file).includes(Buffer.from('clip-3-of-guard-x')), 'the deleted entries are gone from the file');
  // A dock that lost its journal sends the old run again: nothing is stored, nothing is a fork.
  t.deepEqual(storeDeviceLog(db, 'cam-1', 'dock-1', first), { gap: null, fork: null });
  t.is((db.prepare('SELECT COUNT(*) AS n FROM device_log_entries').get() as { n: number }).n, 0);
  // The camera's next entries link to the anchor: no gap, chain_ok.
  const next = chain(2, 6, first[4]!.hash);
  t.deepEqual(storeDeviceLog(db, 'cam-1', 'dock-1', [...first.slice(3), ...next]), { gap: null, fork: null });
  t.deepEqual(db.prepare('SELECT seq, chain_ok FROM device_log_entries ORDER BY seq').all(), [{ seq: 6, chain_ok: 1 }, { seq: 7, chain_ok: 1 }]);
  // Another hash at the anchor's seq is a fork.
  const forged = chain(5, 1, GENESIS_HASH, (i) => `other-${i}`);
  t.regex(storeDeviceLog(db, 'cam-1', 'dock-1', forged).fork ?? '', /seq 5 was stored with hash/);
});

test('entries naming a held clip, and what follows them, stay past the deadline; so does its wipe certificate', (t) => {
  const { db } = store(t);
  const entries = chain(4);
  storeDeviceLog(db, 'cam-1', 'dock-1', entries);
  db.prepare(`INSERT INTO clips (clip_id, device_id, dock_id, bytes, sha256, epoch_id, clip_state, started_at, received_at, blob_key, receipt_json, worker_id)
    VALUES ('clip-3-of-guard-x', 'cam-1', 'dock-1', 1, 'ab', 'e', 'closed', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'k', '{}', 'w')`).run();
  placeHold(db, 'clip-3-of-guard-x', { reason: 'assault', caseNumber: 'K-1', by: 'officer' }, new Date().toISOString());
  insertWipeCert(db, { clipId: 'clip-3-of-guard-x', deviceId: 'cam-1', dockId: 'dock-1', certJson: '{}', receiptMatches: true, signatureVerified: true });
  insertWipeCert(db, { clipId: 'clip-1-of-guard-x', deviceId: 'cam-1', dockId: 'dock-1', certJson: '{}', receiptMatches: true, signatureVerified: true });
  const later = new Date(Date.now() + 1000).toISOString();
  t.is(purgeDeviceLog(db, later, later), 2);
  t.deepEqual((db.prepare('SELECT seq FROM device_log_entries ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq), [3, 4]);
  t.is(purgeWipeCerts(db, later), 1);
  t.deepEqual(db.prepare('SELECT clip_id FROM wipe_certificates').all(), [{ clip_id: 'clip-3-of-guard-x' }]);
});
