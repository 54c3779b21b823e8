// Markers and case_clips table owners on every index backend: rows, the camera's markers once each,
// a clip in several cases, and both going with their clip (the foreign key). Registered by index-contract.ts.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';
import { addToCase, casesOf, removeFromCase } from '../../../central-store/index/tables/cases.js';
import { deleteClipRow, insertClip } from '../../../central-store/index/tables/clips.js';
import { addCameraMarkers, addOfficerMarker, markersOf } from '../../../central-store/index/tables/markers.js';
import { clip } from '../index-contract-evidence.js';

type Ready = (t: ExecutionContext) => Promise<Index>;

export function markersCasesContract(test: TestFn, name: string, ready: Ready): void {
  test(`${name}: markers and case_clips: the camera's markers once each, officers' with a note, cases; both go with the clip`, async (t) => {
    const ix = await ready(t);
    await ix.migrate(MIGRATIONS);
    const at = '2026-03-02T10:00:00.000Z';
    await ix.tx(async (u) => { await insertClip(u, clip('c-1')); await insertClip(u, clip('c-2')); });
    await ix.tx((u) => addCameraMarkers(u, 'c-1', [1_000_300, 1_000_700], at));
    await ix.tx((u) => addCameraMarkers(u, 'c-1', [1_000_300], at));
    const m = await ix.tx((u) => addOfficerMarker(u, { clipId: 'c-1', atMs: 1_000_500, note: 'door opens', by: 'owen' }, at));
    t.like(m, { clipId: 'c-1', atMs: 1_000_500, source: 'officer', note: 'door opens', by: 'owen', createdAt: at });
    t.is(typeof m.id, 'number');
    t.deepEqual((await ix.tx((u) => markersOf(u, 'c-1'))).map((x) => `${x.source}:${x.atMs}:${x.by}`), ['camera:1000300:null', 'officer:1000500:owen', 'camera:1000700:null']);
    t.true(await ix.tx((u) => addToCase(u, { caseNumber: 'K-9', clipId: 'c-1', by: 'owen' }, at)));
    t.false(await ix.tx((u) => addToCase(u, { caseNumber: 'K-9', clipId: 'c-1', by: 'vera' }, at)), 'already in it');
    t.true(await ix.tx((u) => addToCase(u, { caseNumber: 'K-10', clipId: 'c-1', by: 'owen' }, '2026-03-03T00:00:00.000Z')));
    t.true(await ix.tx((u) => addToCase(u, { caseNumber: 'K-9', clipId: 'c-2', by: 'owen' }, at)));
    t.deepEqual(await ix.tx((u) => casesOf(u, 'c-1')), [{ caseNumber: 'K-9', clipId: 'c-1', addedBy: 'owen', addedAt: at }, { caseNumber: 'K-10', clipId: 'c-1', addedBy: 'owen', addedAt: '2026-03-03T00:00:00.000Z' }]);
    t.true(await ix.tx((u) => removeFromCase(u, 'K-10', 'c-1')));
    t.false(await ix.tx((u) => removeFromCase(u, 'K-10', 'c-1')));
    await t.throwsAsync(ix.tx((u) => addOfficerMarker(u, { clipId: 'no-such-clip', atMs: 1, note: 'x', by: 'o' }, at)), { any: true, message: /foreign key/i });
    await ix.tx((u) => deleteClipRow(u, 'c-1'));
    t.deepEqual(await ix.tx((u) => markersOf(u, 'c-1')), []);
    t.deepEqual(await ix.tx((u) => casesOf(u, 'c-1')), []);
    t.is((await ix.tx((u) => casesOf(u, 'c-2'))).length, 1, 'the other clip keeps its case');
  });
}
