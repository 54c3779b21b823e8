// The evidence and ingest tables' owners on every index port implementation (registered by
// index-sqlite.test.ts and index-pg.test.ts): clips, holds (+ events, wraps), pending deletions, wipe
// certificates, device logs (+ anchors), camera certificates, ingest incidents, and the fleet report.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import type { Index, Unit } from '../../central-store/index/port.js';
import { cameraCert, cameraCertsCensus, purgeCameraCerts, rememberCameraCert } from '../../central-store/index/tables/camera-certs.js';
import {
  clipExists, clipsCensus, clipsOfEpoch, deleteClipRow, expiredClips, getClip, insertClip, setPurpose, type ClipRow,
} from '../../central-store/index/tables/clips.js';
import { deviceLogAnchor, deviceLogCensus, deviceLogOf, purgeDeviceLog, storeDeviceLog, type LogEntryIn } from '../../central-store/index/tables/device-log.js';
import { fleet } from '../../central-store/index/tables/fleet.js';
import {
  deleteHoldWrap, getHold, getHoldWrap, holdEventsCensus, holdHistory, holdsCensus, liftHold, placeHold, purgeHoldEvents, putHoldWrap,
} from '../../central-store/index/tables/holds.js';
import { incidents, incidentsCensus, purgeIncidents, recordIncident } from '../../central-store/index/tables/ingest-incidents.js';
import { NOT_PENDING, deletePending, isPendingDeletion, markDeletion, pendingCensus, pendingDeletions } from '../../central-store/index/tables/pending-deletions.js';
import { insertWipeCert, purgeWipeCerts, wipeCertOf, wipeCerts, wipeCertsCensus } from '../../central-store/index/tables/wipe-certificates.js';
import { GENESIS_HASH, entryHash } from '../../shared/device-log-chain.js';

export const clip = (id: string, o: Partial<ClipRow> = {}): ClipRow => ({
  clip_id: id, device_id: 'cam-1', dock_id: 'dock-1', bytes: 1000, sha256: 'ab'.repeat(32), epoch_id: 'epoch-1', clip_state: 'closed',
  started_at: '2026-03-01T10:00:00.000Z', stopped_at: '2026-03-01T10:05:00.000Z', received_at: '2026-03-01T12:00:00.000Z', blob_key: id,
  receipt_json: `{"receipt":"${id}"}`, worker_id: 'w1', purpose: null, camera_cert_sha256: null, clock_note: null, ...o,
});

export function chain(n: number, from = 1, prev = GENESIS_HASH, o: { type?: (seq: number) => string; data?: (seq: number) => Record<string, unknown> } = {}): LogEntryIn[] {
  const out: LogEntryIn[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const e = { seq, at: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(), type: o.type?.(seq) ?? 'record-start', data: o.data?.(seq) ?? { clipId: `clip-${seq}-of-guard-x` } };
    const hash = entryHash(prev, e);
    const full = { ...e, prevHash: prev, hash };
    out.push({ ...full, json: JSON.stringify(full) });
    prev = hash;
  }
  return out;
}

const HOLD = { reason: 'assault reported', caseNumber: 'K-1', by: 'officer' };

export function evidenceTablesContract(test: TestFn, name: string, open: (t: ExecutionContext) => Promise<Index>): void {
  const ready = async (t: ExecutionContext) => {
    const ix = await open(t);
    t.teardown(() => ix.close());
    await ix.migrate(MIGRATIONS);
    return ix;
  };
  const tx = <T>(ix: Index, fn: (u: Unit) => Promise<T>) => ix.tx(fn);

  test(`${name}: the tables of one legacy step ('ingest-1', 'ingest-3') are all created by it`, async (t) => {
    const ix = await ready(t);
    for (const table of ['clips', 'wipe_certificates', 'device_log_entries', 'device_log_anchors', 'camera_certs', 'ingest_incidents', 'pending_deletions', 'holds', 'hold_events', 'hold_wraps']) {
      t.is(Number((await tx(ix, (u) => u.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)))!.n), 0, table);
    }
  });

  test(`${name}: clips owner: one row per clip id, values round-trip, purpose, deletion`, async (t) => {
    const ix = await ready(t);
    const big = clip('c-big', { bytes: 5_000_000_000, purpose: 'patrol', camera_cert_sha256: 'cd'.repeat(32), clock_note: 'clock 3 days behind' });
    t.deepEqual(await tx(ix, (u) => insertClip(u, big)), big);
    t.deepEqual(await tx(ix, (u) => insertClip(u, { ...big, receipt_json: '{"other":1}', worker_id: 'w2' })), big, 'the first row stands');
    t.is(await tx(ix, (u) => getClip(u, 'nope')), undefined);
    t.true(await tx(ix, (u) => clipExists(u, 'c-big')));
    await tx(ix, (u) => setPurpose(u, 'c-big', 'incident'));
    t.is((await tx(ix, (u) => getClip(u, 'c-big')))!.purpose, 'incident');
    await tx(ix, (u) => deleteClipRow(u, 'c-big'));
    t.false(await tx(ix, (u) => clipExists(u, 'c-big')));
  });

  test(`${name}: clips owner: expiry per purpose from the recording start, from receipt when the clock was off, never while held`, async (t) => {
    const ix = await ready(t);
    await tx(ix, async (u) => {
      await insertClip(u, clip('old-default', { started_at: '2026-03-01T00:00:00.000Z', received_at: '2026-03-01T01:00:00.000Z' }));
      await insertClip(u, clip('old-incident', { purpose: 'incident', started_at: '2026-03-01T00:00:00.000Z', received_at: '2026-03-01T01:00:00.000Z' }));
      // Recorded "in 1970" by a reset clock: counted from receipt (clock_note), so not expired.
      await insertClip(u, clip('clock-reset', { started_at: '1970-01-01T00:00:00.000Z', received_at: '2026-03-10T00:00:00.000Z', clock_note: 'camera clock far behind' }));
      // A clock running ahead: counted from receipt, the earlier of the two.
      await insertClip(u, clip('clock-ahead', { started_at: '2027-01-01T00:00:00.000Z', received_at: '2026-03-01T00:00:00.000Z' }));
      await insertClip(u, clip('held', { started_at: '2026-03-01T00:00:00.000Z', received_at: '2026-03-01T01:00:00.000Z' }));
      await placeHold(u, 'held', HOLD, '2026-03-02T00:00:00.000Z');
    });
    const cfg = { defaultDays: 14, perPurpose: { incident: 30 } };
    const at = async (now: string) => (await tx(ix, (u) => expiredClips(u, cfg, now))).map((r) => r.clip_id).sort();
    t.deepEqual(await at('2026-03-14T23:59:59.000Z'), []);
    t.deepEqual(await at('2026-03-15T00:00:00.000Z'), ['clock-ahead', 'old-default'], 'due exactly at start + 14 days');
    t.deepEqual(await at('2026-03-31T00:00:00.000Z'), ['clock-ahead', 'clock-reset', 'old-default', 'old-incident']);
    t.deepEqual((await tx(ix, (u) => expiredClips(u, { defaultDays: 14, perPurpose: {} }, '2026-03-31T00:00:00.000Z'))).find((r) => r.clip_id === 'old-incident'),
      { clip_id: 'old-incident', purpose: 'incident' });
    const census = await tx(ix, (u) => clipsCensus(u, '2026-03-05T00:00:00.000Z'));
    t.deepEqual(census, { count: 5, oldest: '1970-01-01T00:00:00.000Z', overdue: 3 }, 'the held one is not overdue');
  });

  test(`${name}: holds owner: place, refuse, lift, history; a unit that fails after the hold leaves no hold`, async (t) => {
    const ix = await ready(t);
    await tx(ix, (u) => insertClip(u, clip('c-1')));
    await t.throwsAsync(tx(ix, (u) => placeHold(u, 'nope', HOLD, '2026-03-02T00:00:00.000Z')), { message: /clip nope: not in the store/ });
    await t.throwsAsync(tx(ix, (u) => placeHold(u, 'c-1', { ...HOLD, caseNumber: ' ' }, '2026-03-02T00:00:00.000Z')), { message: /caseNumber/ });
    // The hold and the access-log entry of the operation are one unit: a failing second statement undoes the hold.
    const failed = await tx(ix, async (u) => {
      await placeHold(u, 'c-1', HOLD, '2026-03-02T00:00:00.000Z');
      await u.run('INSERT INTO no_such_log (x) VALUES (?)', [1]);
    }).then(() => null, (err: unknown) => String((err as Error)?.message));
    t.regex(failed ?? 'committed', /no_such_log/);
    t.is(await tx(ix, (u) => getHold(u, 'c-1')), null);
    t.deepEqual(await tx(ix, (u) => holdHistory(u)), []);
    const h = await tx(ix, (u) => placeHold(u, 'c-1', HOLD, '2026-03-02T00:00:00.000Z'));
    t.deepEqual(h, { reason: HOLD.reason, caseNumber: 'K-1', placedBy: 'officer', placedAt: '2026-03-02T00:00:00.000Z' });
    t.deepEqual(await tx(ix, (u) => getHold(u, 'c-1')), h);
    const again = await t.throwsAsync(tx(ix, (u) => placeHold(u, 'c-1', HOLD, '2026-03-03T00:00:00.000Z')));
    t.is((again as Error & { code: string }).code, 'on-hold');
    t.deepEqual(await tx(ix, (u) => liftHold(u, 'c-1', { reason: 'case closed', by: 'lead' }, '2026-03-04T00:00:00.000Z')), h);
    const lifted = await t.throwsAsync(tx(ix, (u) => liftHold(u, 'c-1', { reason: 'again', by: 'lead' }, '2026-03-05T00:00:00.000Z')));
    t.is((lifted as Error & { code: string }).code, 'not-held');
    t.deepEqual(await tx(ix, (u) => holdHistory(u, 'c-1')), [
      { clipId: 'c-1', action: 'place', reason: HOLD.reason, caseNumber: 'K-1', by: 'officer', at: '2026-03-02T00:00:00.000Z' },
      { clipId: 'c-1', action: 'lift', reason: 'case closed', caseNumber: 'K-1', by: 'lead', at: '2026-03-04T00:00:00.000Z' },
    ]);
    t.deepEqual(await tx(ix, (u) => holdsCensus(u)), { count: 0, oldest: null, overdue: 0 });
    // History outlives the clip, then goes once the clip is gone and the last event is past the cut-off.
    t.is(await tx(ix, (u) => purgeHoldEvents(u, '2026-04-01T00:00:00.000Z')), 0, 'the clip is still stored');
    await tx(ix, (u) => deleteClipRow(u, 'c-1'));
    t.deepEqual(await tx(ix, (u) => holdEventsCensus(u, '2026-04-01T00:00:00.000Z')), { count: 2, oldest: '2026-03-02T00:00:00.000Z', overdue: 2 });
    t.is(await tx(ix, (u) => purgeHoldEvents(u, '2026-03-03T00:00:00.000Z')), 0, 'the last event is newer than the cut-off');
    t.is(await tx(ix, (u) => purgeHoldEvents(u, '2026-04-01T00:00:00.000Z')), 2);
  });

  test(`${name}: holds owner: re-wrapped data keys round-trip as bytes, the first one stands`, async (t) => {
    const ix = await ready(t);
    const key = Buffer.from([0, 1, 2, 254, 255, 0, 39, 63]);
    await tx(ix, (u) => putHoldWrap(u, 'c-1', 'hold-1', key, '2026-03-01T00:00:00.000Z'));
    await tx(ix, (u) => putHoldWrap(u, 'c-1', 'hold-2', Buffer.from('other'), '2026-03-02T00:00:00.000Z'));
    const w = await tx(ix, (u) => getHoldWrap(u, 'c-1'));
    t.is(w!.keyName, 'hold-1');
    t.true(Buffer.from(w!.wrappedKey).equals(key));
    await tx(ix, (u) => deleteHoldWrap(u, 'c-1'));
    t.is(await tx(ix, (u) => getHoldWrap(u, 'c-1')), undefined);
  });

  test(`${name}: pending deletions owner: a marker is never written for a held clip; the first stands; search leaves marked clips out`, async (t) => {
    const ix = await ready(t);
    await tx(ix, async (u) => {
      for (const id of ['a', 'b', 'held']) await insertClip(u, clip(id, { bytes: 3_000_000_000 }));
      await placeHold(u, 'held', HOLD, '2026-03-02T00:00:00.000Z');
    });
    t.is(await tx(ix, (u) => markDeletion(u, 'held', 'manual', 'dpo', '2026-03-03T00:00:00.000Z')), undefined);
    t.is(await tx(ix, (u) => markDeletion(u, 'gone', 'manual', 'dpo', '2026-03-03T00:00:00.000Z')), undefined);
    const b = await tx(ix, (u) => markDeletion(u, 'b', 'retention:default:14d', 'retention-job', '2026-03-03T00:00:00.000Z'));
    t.deepEqual(b, { clip_id: 'b', blob_key: 'b', sha256: 'ab'.repeat(32), bytes: 3_000_000_000, rule: 'retention:default:14d', by: 'retention-job', requested_at: '2026-03-03T00:00:00.000Z' });
    t.deepEqual(await tx(ix, (u) => markDeletion(u, 'b', 'manual', 'dpo', '2026-03-04T00:00:00.000Z')), b, 'an interrupted deletion keeps its first marker');
    await tx(ix, (u) => markDeletion(u, 'a', 'manual', 'dpo', '2026-03-02T00:00:00.000Z'));
    t.deepEqual((await tx(ix, (u) => pendingDeletions(u, 10))).map((p) => p.clip_id), ['a', 'b']);
    t.deepEqual((await tx(ix, (u) => pendingDeletions(u, 1))).map((p) => p.clip_id), ['a']);
    t.deepEqual((await tx(ix, (u) => u.all<{ clip_id: string }>(`SELECT c.clip_id FROM clips c WHERE ${NOT_PENDING} ORDER BY c.clip_id`))).map((r) => r.clip_id), ['held']);
    t.is((await t.throwsAsync(tx(ix, (u) => placeHold(u, 'a', HOLD, '2026-03-05T00:00:00.000Z'))) as Error & { code: string }).code, 'deleting');
    t.deepEqual(await tx(ix, (u) => pendingCensus(u)), { count: 2, oldest: '2026-03-02T00:00:00.000Z', overdue: 0 });
    await tx(ix, (u) => deletePending(u, 'a'));
    t.false(await tx(ix, (u) => isPendingDeletion(u, 'a')));
    t.true(await tx(ix, (u) => isPendingDeletion(u, 'b')));
  });

  test(`${name}: clips owner: an epoch's clips with their hold and re-wrap`, async (t) => {
    const ix = await ready(t);
    await tx(ix, async (u) => {
      await insertClip(u, clip('e1-open'));
      await insertClip(u, clip('e1-held'));
      await insertClip(u, clip('e2', { epoch_id: 'epoch-2' }));
      await placeHold(u, 'e1-held', HOLD, '2026-03-02T00:00:00.000Z');
      await putHoldWrap(u, 'e1-held', 'hold-1', Buffer.from('k'), '2026-03-03T00:00:00.000Z');
    });
    const rows = (await tx(ix, (u) => clipsOfEpoch(u, 'epoch-1'))).sort((a, b) => a.clip_id.localeCompare(b.clip_id));
    t.deepEqual(rows, [{ clip_id: 'e1-held', blob_key: 'e1-held', held: 'e1-held', wrapped: 'e1-held' }, { clip_id: 'e1-open', blob_key: 'e1-open', held: null, wrapped: null }]);
  });

  test(`${name}: wipe certificates owner: the first per clip stands; a held clip's outlives the deadline`, async (t) => {
    const ix = await ready(t);
    const w = { clipId: 'c-1', deviceId: 'cam-1', dockId: 'dock-1', certJson: '{"a":1}', receiptMatches: true, signatureVerified: true };
    await tx(ix, (u) => insertWipeCert(u, w, '2026-03-01T00:00:00.000Z'));
    await tx(ix, (u) => insertWipeCert(u, { ...w, certJson: '{"b":2}', receiptMatches: false }, '2026-03-02T00:00:00.000Z'));
    await tx(ix, (u) => insertWipeCert(u, { ...w, clipId: 'c-2', receiptMatches: false }, '2026-03-01T00:00:00.000Z'));
    t.deepEqual(await tx(ix, (u) => wipeCertOf(u, 'c-1')), { ...w, receivedAt: '2026-03-01T00:00:00.000Z' });
    t.deepEqual((await tx(ix, (u) => wipeCerts(u, { deviceId: 'cam-1' }))).map((c) => [c.clipId, c.receiptMatches]), [['c-1', true], ['c-2', false]]);
    await tx(ix, async (u) => { await insertClip(u, clip('c-2')); await placeHold(u, 'c-2', HOLD, '2026-03-02T00:00:00.000Z'); });
    t.deepEqual(await tx(ix, (u) => wipeCertsCensus(u, '2026-04-01T00:00:00.000Z')), { count: 2, oldest: '2026-03-01T00:00:00.000Z', overdue: 1 });
    t.is(await tx(ix, (u) => purgeWipeCerts(u, '2026-04-01T00:00:00.000Z')), 1);
    t.deepEqual((await tx(ix, (u) => wipeCerts(u))).map((c) => c.clipId), ['c-2']);
  });

  test(`${name}: device log owner: one chain per camera; gaps named and linked later; forks refused; cut as a prefix with an anchor`, async (t) => {
    const ix = await ready(t);
    const all = chain(8);
    const store = (e: LogEntryIn[], at = '2026-03-01T00:00:00.000Z') => tx(ix, (u) => storeDeviceLog(u, 'cam-1', 'dock-1', e, at));
    t.deepEqual(await store(all.slice(0, 3)), { gap: null, fork: null });
    t.deepEqual(await store(all.slice(5, 8)), { gap: 'entries 4..5 never arrived', fork: null });
    t.deepEqual((await tx(ix, (u) => deviceLogOf(u, 'cam-1'))).map((e) => [e.seq, e.chainOk]), [[1, true], [2, true], [3, true], [6, false], [7, true], [8, true]]);
    t.deepEqual(await store(all.slice(3, 5)), { gap: null, fork: null }, 'the late run fills the gap');
    t.true((await tx(ix, (u) => deviceLogOf(u, 'cam-1'))).every((e) => e.chainOk), 'and links the entry after it');
    const forged = chain(3, 1, GENESIS_HASH, { data: (s) => ({ clipId: `forged-${s}` }) });
    t.regex((await store(forged)).fork ?? '', /seq 1 is stored with hash/);
    t.is((await tx(ix, (u) => deviceLogOf(u, 'cam-1'))).length, 8, 'a fork stores nothing');
    // Entries naming a held clip, and all after them, outlive the deadline.
    await tx(ix, async (u) => { await insertClip(u, clip('clip-6-of-guard-x')); await placeHold(u, 'clip-6-of-guard-x', HOLD, '2026-03-02T00:00:00.000Z'); });
    t.deepEqual(await tx(ix, (u) => deviceLogCensus(u, '2026-04-01T00:00:00.000Z')), { count: 8, oldest: '2026-03-01T00:00:00.000Z', overdue: 8 });
    t.is(await tx(ix, (u) => purgeDeviceLog(u, '2026-04-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z')), 5);
    t.deepEqual(await tx(ix, (u) => deviceLogAnchor(u, 'cam-1')), { seq: 5, hash: all[4]!.hash, cutAt: '2026-04-01T00:00:00.000Z' });
    t.deepEqual(await store(all.slice(0, 5)), { gap: null, fork: null }, 'a resent old run is neither stored nor a fork');
    t.deepEqual((await tx(ix, (u) => deviceLogOf(u, 'cam-1'))).map((e) => e.seq), [6, 7, 8]);
    t.regex((await store(chain(5, 1, GENESIS_HASH, { data: (s) => ({ clipId: `other-${s}` }) }))).fork ?? '', /seq 5 was stored with hash/);
    t.deepEqual(await store([...all.slice(4), ...chain(2, 9, all[7]!.hash)]), { gap: null, fork: null }, 'the next run links on past the anchor');
    t.deepEqual((await tx(ix, (u) => deviceLogOf(u, 'cam-1'))).map((e) => e.seq), [6, 7, 8, 9, 10]);
  });

  test(`${name}: camera certificates owner: kept once; purged only when no stored clip was sealed under it`, async (t) => {
    const ix = await ready(t);
    await tx(ix, async (u) => {
      await rememberCameraCert(u, 'aa', 'cam-1', 'REVSLTE=', '2026-03-01T00:00:00.000Z');
      await rememberCameraCert(u, 'aa', 'cam-1', 'other', '2026-03-02T00:00:00.000Z');
      await rememberCameraCert(u, 'bb', 'cam-2', 'REVSLTI=', '2026-03-01T00:00:00.000Z');
      await insertClip(u, clip('c-1', { camera_cert_sha256: 'bb' }));
    });
    t.deepEqual(await tx(ix, (u) => cameraCert(u, 'aa')), { deviceId: 'cam-1', derB64: 'REVSLTE=', firstSeen: '2026-03-01T00:00:00.000Z' });
    t.deepEqual(await tx(ix, (u) => cameraCertsCensus(u, '2026-04-01T00:00:00.000Z')), { count: 2, oldest: '2026-03-01T00:00:00.000Z', overdue: 1 });
    t.is(await tx(ix, (u) => purgeCameraCerts(u, '2026-04-01T00:00:00.000Z')), 1);
    t.is(await tx(ix, (u) => cameraCert(u, 'aa')), undefined);
    t.truthy(await tx(ix, (u) => cameraCert(u, 'bb')));
  });

  test(`${name}: ingest incidents owner: one counted row per distinct incident, filtered, purged by last occurrence`, async (t) => {
    const ix = await ready(t);
    const i = { kind: 'clip-refused' as const, dockId: 'dock-1', deviceId: 'cam-1', clipId: 'c-1', reason: 'bad signature' };
    await tx(ix, (u) => recordIncident(u, i, '2026-03-01T00:00:00.000Z'));
    await tx(ix, (u) => recordIncident(u, i, '2026-03-05T00:00:00.000Z'));
    await tx(ix, (u) => recordIncident(u, { kind: 'upload-refused', reason: 'x'.repeat(600) }, '2026-03-02T00:00:00.000Z'));
    const all = await tx(ix, (u) => incidents(u));
    t.deepEqual(all[0], { kind: 'clip-refused', dock_id: 'dock-1', device_id: 'cam-1', clip_id: 'c-1', reason: 'bad signature', first_at: '2026-03-01T00:00:00.000Z', last_at: '2026-03-05T00:00:00.000Z', count: 2 });
    t.is(all[1]!.reason.length, 500, 'reasons are bounded');
    t.deepEqual((await tx(ix, (u) => incidents(u, { kind: 'upload-refused' }))).map((r) => r.kind), ['upload-refused']);
    t.deepEqual((await tx(ix, (u) => incidents(u, { clipId: 'c-1', kind: 'clip-refused' }))).length, 1);
    t.deepEqual(await tx(ix, (u) => incidents(u, { clipId: 'c-9' })), []);
    t.deepEqual(await tx(ix, (u) => incidentsCensus(u, '2026-03-04T00:00:00.000Z')), { count: 2, oldest: '2026-03-02T00:00:00.000Z', overdue: 1 });
    t.is(await tx(ix, (u) => purgeIncidents(u, '2026-03-04T00:00:00.000Z')), 1);
  });

  test(`${name}: fleet report: docks and cameras last seen, backlog from the device log, newest faults`, async (t) => {
    const ix = await ready(t);
    const log = chain(4, 1, GENESIS_HASH, {
      type: (s) => (s === 4 ? 'fault' : 'record-stop'),
      data: (s) => (s === 4 ? { kind: 'flash-full' } : { clipId: `rec-${s}` }),
    });
    await tx(ix, async (u) => {
      await insertClip(u, clip('rec-1', { received_at: '2026-03-01T12:00:00.000Z' }));
      await insertWipeCert(u, { clipId: 'rec-2', deviceId: 'cam-1', dockId: 'dock-2', certJson: '{}', receiptMatches: true, signatureVerified: true }, '2026-03-02T00:00:00.000Z');
      await storeDeviceLog(u, 'cam-1', 'dock-1', log, '2026-03-01T13:00:00.000Z');
      await insertClip(u, clip('other', { device_id: 'cam-2', dock_id: 'dock-2', received_at: '2026-03-01T09:00:00.000Z' }));
    });
    const f = await tx(ix, (u) => fleet(u));
    t.deepEqual(f.docks, [
      { dockId: 'dock-2', lastSeen: '2026-03-02T00:00:00.000Z', cameras: 2, clips: 1 },
      { dockId: 'dock-1', lastSeen: '2026-03-01T13:00:00.000Z', cameras: 1, clips: 1 },
    ]);
    t.deepEqual(f.cameras[0], {
      deviceId: 'cam-1', lastSeen: '2026-03-02T00:00:00.000Z', lastDock: 'dock-2', lastOffload: '2026-03-01T12:00:00.000Z', clips: 1,
      lastLogAt: log[3]!.at, backlog: 1, faults: [{ at: log[3]!.at, kind: 'flash-full' }],
    });
    t.is(f.cameras[1]!.deviceId, 'cam-2');
  });
}
