/// <reference lib="dom" />
// The evidence office's audit and export pages in real Chromium (one browser, one store for the file):
// police export and DSAR package with the password shown once (the package opened by 7z with it), the
// access log with filters and CSV, the chain verify button, the authorisation review, deletion receipts;
// each role's forbidden pages absent and refused by the server, and logged.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { storeDeviceLog } from '../../central-store/index/tables/device-log.js';
import { inIndex } from '../helpers/index-read.js';
import { GENESIS_HASH } from '../../shared/device-log-chain.js';
import { heartbeatIngest } from '../../central-store/ingest-heartbeat.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { DOCK_HEARTBEATS_MIGRATIONS } from '../../central-store/index/tables/dock-heartbeats.js';
import { createLogger } from '../../shared/log.js';
import { encodeHeartbeat, heartbeatFacts, type HeartbeatBody } from '../../shared/mqtt/codec.js';
import { signDockOnly } from '../../shared/mqtt/dock-auth.js';
import { dockIdentity, testCa } from '../helpers/pki.js';
import { startOffice, USERS, type Office, shot, postForm } from './office-fixture.js';

let o: Office;
test.before(async () => { o = await startOffice(); });
test.after.always(async () => { await o?.close(); });

const post = async (page: Page, url: string, fields: Record<string, string>) => (await postForm(page, url, fields)).status;
const sevenZip = (file: string, password: string) => spawnSync('7z', ['t', `-p${password}`, file], { encoding: 'utf8' });

test.serial('evidence officer: a case exported for the police and a copy for a data subject; the password is shown once and opens the package', async (t) => {
  for (const id of [o.video, o.otherVideo]) await o.ops.addToCase(USERS.officer, id, { caseNumber: 'K-77' });
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  t.truthy(await page.$('nav a[href="/office/export"]'));
  t.is(await page.$('nav a[href="/office/audit/log"]'), null, 'an officer has no audit permission');
  await page.goto(`${o.base}/office/cases/K-77`);
  await page.click('#export-case');
  await page.waitForSelector('#export-form');
  t.deepEqual((await page.inputValue('#clipIds')).split('\n').sort(), [o.video, o.otherVideo].sort());
  t.is(await page.inputValue('#journalNumber'), 'K-77');
  await page.fill('#recipient', 'Politi Nord');
  await page.click('#make-package');
  await page.waitForSelector('#export-done');
  const password = (await page.textContent('#package-password'))!.trim();
  const file = path.join(o.exportsDir, (await page.textContent('#package-file'))!.trim());
  await shot(page, 'export');
  // Downloaded in the browser (issue 19's package route, through the office), opened by 7z with the shown password only.
  const href = (await page.getAttribute('#download', 'href'))!;
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const saved = path.join(mkdtempSync(path.join(os.tmpdir(), 'office-dl-')), 'package.zip');
  t.teardown(() => rmSync(path.dirname(saved), { recursive: true, force: true }));
  await dl.saveAs(saved);
  t.is(sevenZip(saved, password).status, 0, '7z opens the package with the shown password');
  t.not(sevenZip(saved, 'not-the-password').status, 0, 'and not without it');
  // The server removes it once its stream has ended, which may be just after the browser has the last byte.
  for (let i = 0; i < 100 && existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  t.false(existsSync(file), 'one complete download: the package left the server');
  t.is((await page.goto(`${o.base}${href}`).catch(() => null))?.status() ?? 410, 410);
  t.true((await o.log.entries()).some((e) => e.user === USERS.officer && e.action === 'export-download' && e.outcome === 'ok'));
  t.true((await o.log.entries()).some((e) => e.user === USERS.officer && e.action === 'export' && e.outcome === 'ok' && e.criterion.includes('"journalNumber":"K-77"') && e.criterion.includes('"recipient":"Politi Nord"')));
  // Shown once: the page after it has no password.
  await page.goto(`${o.base}/office/export`);
  t.false((await page.content()).includes(password));
  // A copy for a data subject (access request).
  await page.check('#kind-dsar');
  await page.fill('#clipIds', o.video);
  await page.fill('#subject', 'Jane Doe');
  await page.click('#make-package');
  await page.waitForSelector('#export-done');
  const dsarPw = (await page.textContent('#package-password'))!.trim();
  t.is(sevenZip(path.join(o.exportsDir, (await page.textContent('#package-file'))!.trim()), dsarPw).status, 0);
  t.true((await o.log.entries()).some((e) => e.user === USERS.officer && e.action === 'dsar' && e.outcome === 'ok' && e.criterion.includes('"subject":"Jane Doe"')));
  // Bad input names the field and makes nothing.
  const before = readdirSync(o.exportsDir).length;
  await page.check('#kind-police');
  await page.fill('#clipIds', o.video);
  await page.fill('#journalNumber', '');
  await page.fill('#recipient', 'x');
  await page.evaluate(() => document.getElementById('export-form')!.setAttribute('novalidate', ''));
  await page.click('#make-package');
  await page.waitForSelector('#msg');
  t.regex(await page.textContent('#msg') ?? '', /journalNumber/);
  t.is(readdirSync(o.exportsDir).length, before);
  // No audit pages for an officer: refused by the server and logged.
  t.is((await page.goto(`${o.base}/office/audit/log`))!.status(), 403);
  t.true((await o.log.entries()).some((e) => e.user === USERS.officer && e.action === 'log-read' && e.outcome === 'denied'));
  // A deletion by hand, for the receipts page below.
  await o.ops.delete(USERS.officer, o.bulk[0], { reason: 'recorded by mistake' });
  await page.context().close();
});

test.serial('auditor: access log with filters and CSV, verify the chain, the review, deletion receipts; no export, refused and logged', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.auditor);
  t.truthy(await page.$('nav a[href="/office/audit/log"]'));
  t.is(await page.$('nav a[href="/office/export"]'), null);
  t.is((await page.goto(`${o.base}/office/export`))!.status(), 403);
  t.is(await post(page, '/office/export', { kind: 'police', clipIds: o.video, journalNumber: 'J-1', recipient: 'x' }), 403);
  t.true((await o.log.entries()).some((e) => e.user === USERS.auditor && e.action === 'export' && e.outcome === 'denied' && /lacks the export permission/.test(e.reason ?? '')));

  await page.goto(`${o.base}/office/audit/log`);
  await page.fill('#user', USERS.officer);
  await page.fill('#action', 'export');
  await page.click('#filter');
  await page.waitForSelector('#log');
  const rows = await page.$$eval('#log tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent!.trim())));
  t.true(rows.length >= 2);
  t.true(rows.every((r) => r[2] === USERS.officer && r[3] === 'export'));
  t.true(rows.some((r) => r[4] === 'ok' && r[5].includes('"journalNumber":"K-77"')));
  t.true((await o.log.entries()).some((e) => e.user === USERS.auditor && e.action === 'log-read' && e.outcome === 'ok' && e.criterion === `{"user":"${USERS.officer}","action":"export","limit":"101"}`));
  // The same filters as CSV.
  const csvHref = await page.getAttribute('#csv', 'href');
  const csv = await page.evaluate(async (u) => { const r = await fetch(u!); return { type: r.headers.get('content-type'), disp: r.headers.get('content-disposition'), body: await r.text() }; }, csvHref);
  t.regex(csv.type ?? '', /^text\/csv/);
  t.regex(csv.disp ?? '', /^attachment; filename="access-log-/);
  const lines = csv.body.trim().split('\r\n');
  t.is(lines[0], 'seq,at,user,action,criterion,outcome,reason,hash');
  t.is(lines.length, rows.length + 1);
  t.true(lines.slice(1).every((l) => l.includes(`,${USERS.officer},export,`)));
  t.true((await o.log.entries()).some((e) => e.user === USERS.auditor && e.action === 'log-read' && e.criterion.includes('"format":"csv"')));
  // By clip: the clip's entries only.
  await page.goto(`${o.base}/office/audit/log?clipId=${o.bulk[0]}`);
  t.deepEqual(await page.$$eval('#log tbody tr', (trs) => trs.map((tr) => tr.children[3]!.textContent)), ['delete']);
  // Verify the chain.
  await page.goto(`${o.base}/office/audit/log`);
  await page.click('#verify');
  await page.waitForSelector('#msg');
  t.regex(await page.textContent('#msg') ?? '', /^The chain verifies: \d+ entries/);
  t.true((await o.log.entries()).some((e) => e.user === USERS.auditor && e.action === 'log-verify' && e.outcome === 'ok'));
  await shot(page, 'audit-log');
  // The authorisation review.
  await page.click('nav a[href="/office/audit/review"]');
  await page.waitForSelector('#review');
  const review = await page.$$eval('#review tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).slice(0, 3).map((td) => td.textContent!.trim()).join('|')));
  t.true(review.includes(`${USERS.officer}|evidence-officer|search, view, download, export, dsar, hold, annotate, delete`));
  t.true(review.includes(`${USERS.auditor}|auditor|audit`));
  // What `bodycam store review` reports besides the users: each record kind against its deadline.
  const kinds = await page.$$eval('#records tbody tr', (trs) => trs.map((tr) => tr.children[0]!.textContent!.trim()));
  t.true(kinds.length >= 3, kinds.join());
  await shot(page, 'review');
  t.true((await o.log.entries()).some((e) => e.user === USERS.auditor && e.action === 'review' && e.outcome === 'ok'));
  // Deletion receipts.
  await page.click('nav a[href="/office/audit/receipts"]');
  await page.waitForSelector('#receipts');
  const receipts = await page.$$eval('#receipts tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent!.trim())));
  t.is(receipts.length, 1);
  t.is(receipts[0]![1], o.bulk[0]);
  t.is(receipts[0]![2], 'manual');
  t.is(receipts[0]![3], USERS.officer);
  await shot(page, 'receipts');
  t.true((await o.log.entries()).some((e) => e.user === USERS.auditor && e.action === 'deletion-receipts' && e.outcome === 'ok'));
  // Still no footage.
  t.is((await page.goto(`${o.base}/office/clips/${o.video}`))!.status(), 403);
  await page.context().close();
});

test.serial('viewer: no audit and no export pages; the server refuses both', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.viewer);
  t.is(await page.$('nav a[href="/office/audit/log"]'), null);
  t.is(await page.$('nav a[href="/office/export"]'), null);
  t.is((await page.goto(`${o.base}/office/audit/log`))!.status(), 403);
  t.is((await page.goto(`${o.base}/office/audit/log.csv`))!.status(), 403);
  t.is((await page.goto(`${o.base}/office/audit/review`))!.status(), 403);
  t.is(await post(page, '/office/export', { kind: 'dsar', clipIds: o.video, subject: 'x' }), 403);
  const mine = (await o.log.entries()).filter((e) => e.user === USERS.viewer && e.outcome === 'denied').map((e) => e.action);
  t.true(['log-read', 'review', 'dsar'].every((a) => mine.includes(a)), mine.join());
  await page.context().close();
});

test.serial('administrator: the fleet page shows docks and cameras as ingest knows them (last seen, offloads, backlog, faults) and as the dock heartbeat says (queue, spool, firmware and slot, flash free); the auditor is refused', async (t) => {
  // cam-7's device log as a dock forwards it: one clip recorded and stored, one recorded and still on the camera, a GPS fault,
  // a firmware rollback by the launcher and a trial firmware that failed its health checks.
  const at = (s: number) => new Date(Date.UTC(2026, 2, 2, 12, 0, s)).toISOString();
  const raw = [
    { type: 'record-stop', data: { clipId: o.video, atMs: 1, reason: 'long-press' } },
    { type: 'fault', data: { kind: 'gps-chatter', sentenceType: 'GPGGA', atMs: 2 } },
    { type: 'record-stop', data: { clipId: 'clip-still-on-camera', atMs: 3, reason: 'long-press' } },
    { type: 'fw-health', data: { slot: 'b', version: '1.5.0', bootCount: 1, ok: false, checks: [] } },
    { type: 'fw-rollback', data: { from: 'b', to: 'a', reason: 'trial boots exhausted' } },
    { type: 'fw-health', data: { slot: 'a', version: '1.4.0', bootCount: 1, ok: true, checks: [] } },
  ];
  const entries = raw.map((e, i) => ({ seq: i + 1, at: at(i), ...e, prevHash: i ? `h${i}` : GENESIS_HASH, hash: `h${i + 1}` }));
  await inIndex(o.f.db, (u) => storeDeviceLog(u, 'cam-7', 'dock-2', entries.map((e) => ({ ...e, json: JSON.stringify(e) }))));
  // dock-2's heartbeat, signed with its key and taken in by the ingest's own handler (the MQTT path: test/mqtt/heartbeat).
  const index = SqliteIndex.for(o.f.db);
  await index.migrate(DOCK_HEARTBEATS_MIGRATIONS);
  const body: HeartbeatBody = { v: 1, dockId: 'dock-2', seq: Date.now(), at: new Date().toISOString(), uptimeS: 3600, spoolFreeBytes: 5 * 2 ** 30,
    queue: { pulling: 1, pulled: 0, uploading: 2, receipted: 1, wiped: 0 },
    cameras: [{ deviceId: 'cam-7', seenAt: new Date().toISOString(), firmware: { version: '1.4.0', slot: 'a', trial: false }, flashFreeBytes: 3 * 2 ** 30, clipsOnCamera: 1 }] };
  const ingest = heartbeatIngest({ index, trust: { caCertPem: testCa().certPem }, log: createLogger('hb', 'silent') });
  t.is(await ingest('dock-2', encodeHeartbeat({ ...body, ...signDockOnly(dockIdentity('dock-2'), 'heartbeat', heartbeatFacts(body)) })), 'stored');
  const page = await o.page();
  await o.signIn(page, USERS.admin);
  await page.click('nav a[href="/office/fleet"]');
  await page.waitForSelector('#cameras');
  const docks = await page.$$eval('#docks tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent!.trim())));
  t.deepEqual(docks.map((d) => d[0]).sort(), ['dock-1', 'dock-2']);
  const dock2 = docks.find((d) => d[0] === 'dock-2')!;
  t.is(dock2[3], '1', 'one camera seen through dock-2');
  t.is(dock2[7], '3', 'three clips waiting at the dock (pulling + uploading)');
  t.is(dock2[8], '5.0 GiB', 'spool free');
  t.is(docks.find((d) => d[0] === 'dock-1')![6], 'none yet', 'dock-1 sent no heartbeat');
  const cams = await page.$$eval('#cameras tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent!.trim())));
  const cam7 = cams.find((c) => c[0] === 'cam-7')!;
  t.is(cam7[3], 'dock-2', 'last seen through the dock that forwarded its log');
  t.is(cam7[5], '1', 'one clip stored');
  t.is(cam7[6], '1', 'one clip recorded but not offloaded');
  t.is(cam7[7], '1', 'one clip still on the camera at its last offload');
  t.is(cam7[8], '1.4.0 (a)', 'firmware and slot');
  t.is(cam7[9], '3.0 GiB', 'flash free');
  t.deepEqual(cam7[11]!.split(/\s+/).sort(), ['gps-chatter', 'health-check-failed', 'rollback'], 'faults: GPS, rollback, failed health check (not the passing one)');
  t.is(cams.find((c) => c[0] === 'cam-bulk')![6], '0');
  t.is(cams.find((c) => c[0] === 'cam-bulk')![8], '—', 'no heartbeat named cam-bulk');
  await shot(page, 'fleet');
  t.true((await o.log.entries()).some((e) => e.user === USERS.admin && e.action === 'fleet' && e.outcome === 'ok'));
  await page.context().close();
  const aud = await o.page();
  await o.signIn(aud, USERS.auditor);
  t.is(await aud.$('nav a[href="/office/fleet"]'), null);
  t.is((await aud.goto(`${o.base}/office/fleet`))!.status(), 403);
  t.true((await o.log.entries()).some((e) => e.user === USERS.auditor && e.action === 'fleet' && e.outcome === 'denied'));
  await aud.context().close();
});
