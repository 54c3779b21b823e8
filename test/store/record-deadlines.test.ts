// The record deadlines at the central store, table by table: a camera's stored device log is cut as a
// prefix with a chain anchor (a resent old run does not come back, the next run links on, entries
// naming a held clip stay), a held clip keeps its wipe certificate, and the deleted texts leave the file.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { insertClip } from '../../central-store/index/tables/clips.js';
import { deviceLogAnchor, deviceLogOf, purgeDeviceLog, storeDeviceLog, type LogEntryIn } from '../../central-store/index/tables/device-log.js';
import { placeHold } from '../../central-store/index/tables/holds.js';
import { insertWipeCert, purgeWipeCerts, wipeCerts } from '../../central-store/index/tables/wipe-certificates.js';
import { clip } from './index-contract-evidence.js';
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

async function store(t: { teardown(f: () => Promise<void>): void }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deadlines-'));
  const file = path.join(dir, 'central.db');
  const ix = SqliteIndex.open(file);
  t.teardown(async () => { await ix.close(); rmSync(dir, { recursive: true, force: true }); });
  await ix.migrate(MIGRATIONS);
  return { ix, file };
}

test('a camera\'s log is cut as a prefix with an anchor; a resent run does not come back; the next run links on', async (t) => {
  const { ix, file } = await store(t);
  const first = chain(5);
  t.deepEqual(await ix.tx((u) => storeDeviceLog(u, 'cam-1', 'dock-1', first)), { gap: null, fork: null });
  const later = new Date(Date.now() + 1000).toISOString();
  t.is(await ix.tx((u) => purgeDeviceLog(u, later, later)), 5);
  t.deepEqual(await ix.tx((u) => deviceLogOf(u, 'cam-1')), []);
  t.like(await ix.tx((u) => deviceLogAnchor(u, 'cam-1')), { seq: 5, hash: first[4]!.hash });
  t.false(readFileSync(file).includes(Buffer.from('clip-3-of-guard-x')), 'the deleted entries are gone from the file');
  // A dock that lost its journal sends the old run again: nothing is stored, nothing is a fork.
  t.deepEqual(await ix.tx((u) => storeDeviceLog(u, 'cam-1', 'dock-1', first)), { gap: null, fork: null });
  t.deepEqual(await ix.tx((u) => deviceLogOf(u, 'cam-1')), []);
  // The camera's next entries link to the anchor: no gap, chain_ok.
  const next = chain(2, 6, first[4]!.hash);
  t.deepEqual(await ix.tx((u) => storeDeviceLog(u, 'cam-1', 'dock-1', [...first.slice(3), ...next])), { gap: null, fork: null });
  t.deepEqual((await ix.tx((u) => deviceLogOf(u, 'cam-1'))).map((e) => [e.seq, e.chainOk]), [[6, true], [7, true]]);
  // Another hash at the anchor's seq is a fork.
  const forged = chain(5, 1, GENESIS_HASH, (i) => `other-${i}`);
  t.regex((await ix.tx((u) => storeDeviceLog(u, 'cam-1', 'dock-1', forged))).fork ?? '', /seq 5 was stored with hash/);
});

test('entries naming a held clip, and what follows them, stay past the deadline; so does its wipe certificate', async (t) => {
  const { ix } = await store(t);
  await ix.tx(async (u) => {
    await storeDeviceLog(u, 'cam-1', 'dock-1', chain(4));
    await insertClip(u, clip('clip-3-of-guard-x'));
    await placeHold(u, 'clip-3-of-guard-x', { reason: 'assault', caseNumber: 'K-1', by: 'officer' }, new Date().toISOString());
    await insertWipeCert(u, { clipId: 'clip-3-of-guard-x', deviceId: 'cam-1', dockId: 'dock-1', certJson: '{}', receiptMatches: true, signatureVerified: true });
    await insertWipeCert(u, { clipId: 'clip-1-of-guard-x', deviceId: 'cam-1', dockId: 'dock-1', certJson: '{}', receiptMatches: true, signatureVerified: true });
  });
  const later = new Date(Date.now() + 1000).toISOString();
  t.is(await ix.tx((u) => purgeDeviceLog(u, later, later)), 2);
  t.deepEqual((await ix.tx((u) => deviceLogOf(u, 'cam-1'))).map((e) => e.seq), [3, 4]);
  t.is(await ix.tx((u) => purgeWipeCerts(u, later)), 1);
  t.deepEqual((await ix.tx((u) => wipeCerts(u))).map((w) => w.clipId), ['clip-3-of-guard-x']);
});
