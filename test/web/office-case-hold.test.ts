/// <reference lib="dom" />
// Holds per case in real Chromium (one browser, one store for the file): every clip of a case held at
// once with reason and case number, one `hold` entry per clip plus the `case-hold` entry; a clip held
// under another number left alone; lifting lifts only this number's holds, per clip; a viewer gets no
// form and is refused by the server, logged.
import test from 'ava';
import type { Page } from 'playwright-core';
import { startOffice, USERS, type Office, shot, postForm } from './office-fixture.js';

let o: Office;
test.before(async () => { o = await startOffice(); });
test.after.always(async () => { await o?.close(); });

const post = async (page: Page, url: string, fields: Record<string, string>) => (await postForm(page, url, fields)).status;
const holdOf = async (id: string) => (await o.f.store.get(id))!.hold;

test.serial('evidence officer: hold every clip of a case at once, then lift; each clip logged; another case\'s hold left alone', async (t) => {
  const [a, b, c, d] = o.bulk;
  for (const id of [a!, b!, c!]) await o.ops.addToCase(USERS.officer, id, { caseNumber: 'K-40' });
  await o.ops.hold(USERS.officer, b!, { reason: 'other matter', caseNumber: 'K-OTHER' });
  await o.ops.hold(USERS.officer, d!, { reason: 'held before the case existed', caseNumber: 'K-40' });
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  await page.goto(`${o.base}/office/cases/K-40`);
  t.is((await page.textContent('#count'))?.trim(), '4 clips');
  t.is((await page.textContent('#case-hold-state'))?.trim(), '1 clip(s) held under this case number, 1 under another, 2 not held.');
  const before = (await o.log.entries()).at(-1)!.seq;
  await page.fill('#case-hold-reason', 'assault reported to police');
  await page.click('#case-hold');
  await page.waitForSelector('#msg');
  t.is((await page.textContent('#msg'))?.trim(), 'Hold placed on 2 clip(s). 1 already held under another number (unchanged).');
  t.is((await page.textContent('#case-hold-state'))?.trim(), '3 clip(s) held under this case number, 1 under another, 0 not held.');
  await shot(page, 'case-hold');
  for (const id of [a!, c!]) t.like(await holdOf(id), { caseNumber: 'K-40', reason: 'assault reported to police', placedBy: USERS.officer });
  t.like(await holdOf(b!), { caseNumber: 'K-OTHER' });
  t.like(await holdOf(d!), { reason: 'held before the case existed' });
  const added = await o.log.entries({ sinceSeq: before });
  const holds = added.filter((e) => e.action === 'hold' && e.outcome === 'ok');
  t.deepEqual(holds.map((e) => e.criterion).sort(), [a!, c!].map((id) => JSON.stringify({ clipId: id, reason: 'assault reported to police', caseNumber: 'K-40' })).sort(), 'one hold entry per clip');
  t.true(holds.every((e) => e.user === USERS.officer));
  t.true(added.some((e) => e.action === 'case-hold' && e.outcome === 'ok' && e.user === USERS.officer && e.criterion === '{"caseNumber":"K-40","reason":"assault reported to police"}'));
  // The badges on the page name the case of each clip's hold.
  t.deepEqual((await page.$$eval('#results a.badge.hold', (xs) => xs.map((x) => x.textContent!.trim()))).sort(), ['K-40', 'K-40', 'K-40', 'K-OTHER']);

  const mid = (await o.log.entries()).at(-1)!.seq;
  await page.fill('#case-unhold-reason', 'case closed by the police');
  await page.click('#case-unhold');
  await page.waitForSelector('#msg');
  t.is((await page.textContent('#msg'))?.trim(), 'Hold lifted on 3 clip(s). 1 held under another number (unchanged).');
  for (const id of [a!, c!, d!]) t.is(await holdOf(id), null);
  t.like(await holdOf(b!), { caseNumber: 'K-OTHER' });
  const lifted = (await o.log.entries({ sinceSeq: mid })).filter((e) => e.action === 'unhold' && e.outcome === 'ok');
  t.deepEqual(lifted.map((e) => JSON.parse(e.criterion).clipId).sort(), [a!, c!, d!].sort());
  t.true((await o.log.entries({ sinceSeq: mid })).some((e) => e.action === 'case-unhold' && e.criterion === '{"caseNumber":"K-40","reason":"case closed by the police"}'));
  // Without a reason nothing is held, and the refusal names the field.
  t.is(await post(page, '/office/cases/K-40/hold', { reason: ' ' }), 400);
  t.is(await holdOf(a!), null);
  await page.context().close();
});

test.serial('viewer: no case hold form; the server refuses it, logged', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.viewer);
  await page.goto(`${o.base}/office/cases/K-40`);
  // The clip that was only held under K-40 left the case's set with its hold.
  t.is((await page.textContent('#count'))?.trim(), '3 clips');
  t.is(await page.$('#case-hold-form'), null);
  t.is(await post(page, '/office/cases/K-40/hold', { reason: 'x' }), 403);
  t.is(await holdOf(o.bulk[0]!), null);
  t.true((await o.log.entries()).some((e) => e.user === USERS.viewer && e.action === 'case-hold' && e.outcome === 'denied' && /lacks the hold permission/.test(e.reason ?? '')));
  await page.context().close();
});
