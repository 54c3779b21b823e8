/// <reference lib="dom" />
// The DSAR flow's redaction step in real Chromium (one browser, one store, one detector pool for the
// file), over a 1.2 s clip of a sample group photograph: start from the export form, keep the subject's
// face track, add and remove manual boxes, mute a range and the whole track, refuse approval without a
// reason, preview (plays), approve, make the package (downloaded, opened by 7z with the shown password
// only: the redacted copy and the manifest naming the plan). Every step through Operations and in the
// access log; a viewer refused.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startOffice, USERS, type Office, shot, postForm } from './office-fixture.js';

let o: Office;
test.before(async () => { o = await startOffice({ redaction: true }); });
test.after.always(async () => { await o?.close(); });

const post = postForm;
const msg = async (page: Page) => (await page.textContent('#msg'))?.trim();
let caseId = '';

test.serial('evidence officer: redaction from the DSAR form — keep the subject, boxes, mutes, reason, preview, approve, package; every step logged', async (t) => {
  t.timeout(600_000);
  const clip = o.faces!;
  const page = await o.page();
  page.setDefaultTimeout(240_000);
  await o.signIn(page, USERS.officer);
  await page.goto(`${o.base}/office/export`);
  await page.check('#kind-dsar');
  await page.fill('#clipIds', clip);
  await page.fill('#subject', 'Jane Doe');
  await Promise.all([page.waitForURL(/\/office\/redactions\/rd-[0-9a-f]{12}$/), page.click('#redact-start')]);
  caseId = (await page.textContent('#case-id'))!.trim();
  t.regex(caseId, /^rd-[0-9a-f]{12}$/);
  t.is((await page.textContent('#redact-subject'))?.trim(), 'Jane Doe');
  t.regex(await page.textContent('#redact-clips') ?? '', /proposed\s*30\s*\d+/);

  // The proposed tracks: keep the one followed longest (the subject's own face, say).
  const rows = await page.$$eval('#tracks tbody tr', (trs) => trs.map((tr) => [tr.children[0]!.textContent!.trim(), Number(tr.children[3]!.textContent)] as [string, number]));
  t.true(rows.length >= 1, `tracks: ${rows.length}`);
  const subject = [...rows].sort((a, b) => b[1] - a[1])[0]![0];
  await page.check(`#keep-${subject}`);
  await page.click('#save-keep');
  t.is(await msg(page), 'Saved.');
  t.true(await page.isChecked(`#keep-${subject}`));
  for (const [id] of rows.filter(([id]) => id !== subject)) t.false(await page.isChecked(`#keep-${id}`), `${id} stays blurred`);

  // Two manual boxes for frame ranges, then one removed; a box past the last frame names the reason.
  const box = async (from: string, to: string, note: string) => {
    for (const [k, v] of Object.entries({ from, to, x: '10', y: '20', w: '80', h: '60' })) await page.fill(`#box-form #${k}`, v);
    await page.fill('#box-note', note);
    await page.evaluate(() => document.getElementById('box-form')!.setAttribute('novalidate', ''));
    await page.click('#add-box');
  };
  await box('5', '20', 'name badge');
  await box('0', '29', 'screen');
  t.regex(await page.textContent('#boxes') ?? '', /b1\s*5–20\s*10, 20, 80, 60\s*name badge[\s\S]*b2\s*0–29/);
  await page.click('#unbox-b2');
  t.is(await page.$('#unbox-b2'), null);
  await box('10', '90', 'too far');
  t.is(page.url().includes('done=edit'), false);
  t.regex(await msg(page) ?? '', /frames 10-90 out of range \(the clip has frames 0-29\)/);

  // Sound: a muted range, the whole track on and off again.
  await page.fill('#mute-from', '0.2');
  await page.fill('#mute-to', '0.6');
  await page.click('#add-mute');
  t.regex(await page.textContent('#mutes') ?? '', /0\.2–0\.6 s/);
  await page.click('#mute-all');
  t.is((await page.textContent('#mute-state'))?.trim(), 'The whole sound track is muted.');
  await page.click('#mute-all');
  t.is((await page.textContent('#mute-state'))?.trim(), 'Muted ranges');

  // Approval needs a reason on every plan.
  await page.click('#approve');
  t.regex(await msg(page) ?? '', /reason: the plan for clip .* has no reason/);
  await page.fill('#redact-reason', 'two bystanders and a name badge in view');
  await page.click('#save-reason');
  t.is(await msg(page), 'Saved.');
  await shot(page, 'redaction');

  // Preview: rendered now from the plan, played in the browser; one redact-preview entry.
  await page.click('#play');
  await page.waitForFunction(() => { const v = document.getElementById('player') as HTMLVideoElement; return v.getAttribute('data-loaded') === '1' && v.videoWidth > 0; }, undefined, { timeout: 240_000 });
  const dims = await page.evaluate(() => { const v = document.getElementById('player') as HTMLVideoElement; return [v.videoWidth, v.videoHeight, v.duration]; });
  t.deepEqual(dims.slice(0, 2), [640, 360]);
  t.true(dims[2]! > 1 && dims[2]! < 1.5, `duration ${dims[2]}`);
  t.is((await o.log.entries()).filter((e) => e.action === 'redact-preview' && e.user === USERS.officer && e.outcome === 'ok').length, 1);

  await page.click('#approve');
  t.is(await msg(page), 'Approved.');
  t.is(await page.$('#box-form'), null, 'an approved plan has no edit forms');
  t.is((await post(page, `/office/redactions/${caseId}/edit`, { clipId: clip, op: 'reason', reason: 'changed later' })).status, 409, 'and the server refuses an edit');

  // The package: password shown once, downloaded, opened by 7z with it only.
  await page.click('#make-package');
  await page.waitForSelector('#export-done');
  const password = (await page.textContent('#package-password'))!.trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'office-redact-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const saved = path.join(dir, 'package.zip');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  await dl.saveAs(saved);
  t.is(spawnSync('7z', ['t', `-p${password}`, saved], { encoding: 'utf8' }).status, 0, '7z opens it with the shown password');
  t.not(spawnSync('7z', ['t', '-pwrong-password', saved], { encoding: 'utf8' }).status, 0);
  const list = spawnSync('7z', ['l', '-slt', `-p${password}`, saved], { encoding: 'utf8' }).stdout;
  t.true(list.includes(`Path = ${clip}.redacted.ts`), 'the redacted copy');
  t.false(list.includes(`Path = ${clip}.ts\n`), 'not the original');
  const manifest = spawnSync('7z', ['x', '-so', `-p${password}`, saved, 'manifest.json'], { encoding: 'utf8' }).stdout;
  t.true(manifest.includes(`"caseId":"${caseId}"`) && manifest.includes(`"tracksKept":["${subject}"]`) && manifest.includes('"manualBoxes":1'), manifest.slice(0, 400));
  await page.goto(`${o.base}/office/redactions/${caseId}`);
  t.false((await page.content()).includes(password), 'the password is not shown again');

  // Every step is an Operations call with its log entry (user, action, criterion).
  const mine = (await o.log.entries()).filter((e) => e.user === USERS.officer && e.outcome === 'ok');
  for (const a of ['redact-start', 'redact-show', 'redact-edit', 'redact-preview', 'redact-approve', 'redact-package', 'export-download']) t.true(mine.some((e) => e.action === a), a);
  t.true(mine.some((e) => e.action === 'redact-start' && e.criterion === JSON.stringify({ clipIds: [clip], subject: 'Jane Doe' })));
  t.true(mine.some((e) => e.action === 'redact-edit' && e.criterion.includes(`"keep":["${subject}"]`)));
  t.true(mine.some((e) => e.action === 'redact-edit' && e.criterion.includes('"addMutes":[{"from":0.2,"to":0.6}]')));
  t.true((await o.log.entries()).some((e) => e.action === 'redact-edit' && e.outcome === 'error' && /out of range/.test(e.reason ?? '')));
  await page.context().close();
});

test.serial('viewer: no redaction button, and the server refuses the redaction pages and steps, logged', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.viewer);
  t.is((await page.goto(`${o.base}/office/export`))!.status(), 403);
  t.is((await page.goto(`${o.base}/office/redactions/${caseId || 'rd-000000000000'}`))!.status(), 403);
  await page.goto(`${o.base}/office/search`);
  t.is((await post(page, '/office/redactions', { clipIds: o.faces!, subject: 'x' })).status, 403);
  const denied = (await o.log.entries()).filter((e) => e.user === USERS.viewer && e.outcome === 'denied');
  t.true(denied.some((e) => e.action === 'redact-show' && /lacks the dsar permission/.test(e.reason ?? '')));
  t.true(denied.some((e) => e.action === 'redact-start'));
  await page.context().close();
});
