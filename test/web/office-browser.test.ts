/// <reference lib="dom" />
// The evidence office in real Chromium (Debian's, driven by playwright-core) against a real store with
// encrypted H.264 clips: sign-in and lockout, search, playback, hold, roles, CSRF, access log.
// One browser and one store for the whole file; screenshots of the main pages go to docs/screenshots/.
import test from 'ava';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { PW } from '../store/helpers.js';
import { startOffice, USERS, type Office, SHOTS, shot } from './office-fixture.js';

let o: Office;
test.before(async () => { mkdirSync(SHOTS, { recursive: true }); o = await startOffice(); });
test.after.always(async () => { await o?.close(); });

const logOf = async (user: string) => (await o.log.entries()).filter((e) => e.user === user).map((e) => `${e.action}:${e.outcome}:${e.criterion}`);

test.serial('sign-in: five wrong passwords lock the account; the page says so without telling unknown names apart', async (t) => {
  const page = await o.page();
  await page.goto(`${o.base}/office/login`);
  await shot(page, 'sign-in');
  const attempt = async (username: string, password: string) => {
    await page.goto(`${o.base}/office/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#signin');
    return (await page.textContent('#msg'))?.trim();
  };
  const wrong = await attempt(USERS.victim, 'not the password');
  t.is(wrong, 'Wrong username or password.');
  t.regex(await page.textContent('.hint') ?? '', /After 5 failed sign-ins in a row an account is locked/);
  for (let i = 2; i <= 5; i++) t.is(await attempt(USERS.victim, `wrong ${i}`), wrong, `attempt ${i}`);
  // An unknown name gets the very same answer, however often it is tried.
  for (let i = 0; i < 6; i++) t.is(await attempt('nobody-here', `wrong ${i}`), wrong);
  t.truthy((await o.users.get(USERS.victim))?.lockedAt, 'locked after 5');
  // Only the right password learns that the account is locked.
  t.is(await attempt(USERS.victim, PW), 'This account is locked after repeated failed sign-ins. An administrator must unlock it.');
  await shot(page, 'sign-in-locked');
  t.true(page.url().endsWith('/office/login'));
  const log = await o.log.entries();
  t.is(log.filter((e) => e.user === USERS.victim && e.action === 'login-failure').length, 6);
  t.true(log.some((e) => e.action === 'lockout' && e.criterion === JSON.stringify({ username: USERS.victim, failedLogins: 5 })));
  await page.context().close();
});

test.serial('officer: sign in, search by camera and date, paginate; the criterion is in the access log', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  t.true(page.url().endsWith('/office/search'));
  t.true((await logOf(USERS.officer)).includes(`login:ok:{"username":"${USERS.officer}"}`));
  const cookies = await page.context().cookies();
  const sid = cookies.find((c) => c.name === 'office_sid');
  t.truthy(sid); t.true(sid!.httpOnly); t.is(sid!.sameSite, 'Strict');
  await page.fill('#deviceId', 'cam-7');
  await page.click('#find');
  await page.waitForSelector('#results');
  const rows = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.children[1]!.textContent));
  t.deepEqual(rows, ['cam-7']);
  t.true((await logOf(USERS.officer)).includes('search:ok:{"deviceId":"cam-7","limit":"26"}'));

  await page.goto(`${o.base}/office/search?deviceId=cam-bulk&from=2026-03-02T00:00&to=2026-03-02T00:30`);
  t.is(await page.$$eval('#results tbody tr', (trs) => trs.length), 25, 'first page of 30 clips in range');
  t.truthy(await page.$('#next'));
  await shot(page, 'search');
  await page.click('#next');
  await page.waitForSelector('#results');
  t.is(await page.$$eval('#results tbody tr', (trs) => trs.length), 5);
  t.is(await page.$('#next'), null);
  t.true((await logOf(USERS.officer)).includes('search:ok:{"deviceId":"cam-bulk","from":"2026-03-02T00:00Z","to":"2026-03-02T00:30Z","limit":"26","offset":"25"}'));
  await page.goto(`${o.base}/office/search?onHold=true`);
  t.regex(await page.textContent('#count') ?? '', /0 clips/);
  // Real offset paging: a page far past the end is an empty page (with the way back), not a refused search.
  t.is((await page.goto(`${o.base}/office/search?deviceId=cam-bulk&page=999`))!.status(), 200);
  t.true((await logOf(USERS.officer)).includes('search:ok:{"deviceId":"cam-bulk","limit":"26","offset":"24950"}'));
  t.truthy(await page.$('#prev'));
  // Sortable columns: camera A-Z, then reversed; the sort is part of the logged criterion.
  await page.goto(`${o.base}/office/search`);
  await page.click('#sort-camera');
  await page.waitForSelector('#sort-camera.on');
  const cams = async () => page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.children[1]!.textContent));
  t.deepEqual((await cams()).slice(0, 3), ['cam-7', 'cam-8', 'cam-bulk']);
  t.true((await logOf(USERS.officer)).includes('search:ok:{"sort":"camera","order":"asc","limit":"26"}'));
  await page.click('#sort-camera');
  await page.waitForSelector('#sort-camera.on.desc');
  t.is((await cams())[0], 'cam-bulk');
  t.true((await logOf(USERS.officer)).includes('search:ok:{"sort":"camera","order":"desc","limit":"26"}'));
  await page.click('#sort-start');
  await page.waitForSelector('#sort-start.on.desc');
  t.is((await cams())[0], 'cam-8', 'newest first: cam-8 recorded last');
  await page.context().close();
});

test.serial('clip page: metadata, playback plays (decrypted on the server), one playback = one view entry', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  await page.goto(`${o.base}/office/clips/${o.video}`);
  const meta = await page.textContent('#meta') ?? '';
  t.regex(meta, /cam-7/); t.regex(meta, /crime-prevention/); t.regex(meta, /0:06/);
  t.notRegex(meta, /lat|lon|gps|location/i);
  // From the clip's header only: pre-record, sound policy, complete/truncated, policy hash.
  t.is((await page.textContent('#prerecord'))?.trim(), '2.04 s');
  t.regex(await page.textContent('#audio-policy') ?? '', /from the press on; none in the pre-record/);
  t.is((await page.textContent('#truncated'))?.trim(), 'complete');
  t.is((await page.textContent('#policy-hash'))?.trim(), 'c0ffee'.padEnd(64, '0'));
  const before = (await o.log.entries()).filter((e) => e.action === 'view').length;
  await page.click('#play');
  await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).currentTime > 1.5, undefined, { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('player')!.getAttribute('data-loaded') === '1', undefined, { timeout: 30_000 });
  const v = await page.$eval('#player', (el) => { const x = el as HTMLVideoElement; return { w: x.videoWidth, h: x.videoHeight, dur: x.duration }; });
  t.is(v.w, 640); t.is(v.h, 360);
  // The clip's sound plays too: the stream carries AAC and Chromium decodes it.
  t.regex(await page.getAttribute('#player', 'data-codecs') ?? '', /^avc1\.[0-9a-f]{6}, mp4a\.40\.2$/);
  t.true(await page.$eval('#player', (el) => ((el as HTMLVideoElement & { webkitAudioDecodedByteCount: number }).webkitAudioDecodedByteCount ?? 0) > 0), 'audio decoded');
  t.true(Math.abs(v.dur - 6) < 0.5, `duration ${v.dur}`);
  // Seek within what has been streamed: it lands near the target.
  const landed = await page.evaluate(() => new Promise<number>((resolve) => {
    const x = document.getElementById('player') as HTMLVideoElement;
    x.addEventListener('seeked', () => resolve(x.currentTime), { once: true });
    x.currentTime = 4.2;
  }));
  t.true(Math.abs(landed - 4.2) < 0.5, `seeked to ${landed}`);
  await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).pause());
  await shot(page, 'clip');
  const views = (await o.log.entries()).filter((e) => e.action === 'view');
  t.is(views.length, before + 1, 'one view entry for one playback');
  t.is(`${views.at(-1)!.user}:${views.at(-1)!.outcome}:${views.at(-1)!.criterion}`, `${USERS.officer}:ok:{"clipId":"${o.video}"}`);
  await page.reload();
  t.regex(await page.textContent('#custody') ?? '', new RegExp(`${USERS.officer}\\s*view`));
  await page.context().close();
});

test.serial('hold with reason and case number, then lift; both on the page and in the access log', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  await page.goto(`${o.base}/office/clips/${o.otherVideo}`);
  await page.fill('#case', '0100-2026-4711');
  await page.fill('#hold-reason', 'assault on guard');
  await page.click('#hold');
  await page.waitForSelector('#unhold-form');
  t.regex(await page.textContent('#hold-state') ?? '', /case 0100-2026-4711, placed by owen/);
  t.regex(await page.textContent('#store-meta') ?? '', /never while on hold/);
  await shot(page, 'clip-hold');
  t.true((await logOf(USERS.officer)).includes(`hold:ok:{"clipId":"${o.otherVideo}","reason":"assault on guard","caseNumber":"0100-2026-4711"}`));
  await page.goto(`${o.base}/office/search?onHold=true`);
  t.deepEqual(await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.children[4]!.textContent)), ['0100-2026-4711']);
  await page.goto(`${o.base}/office/clips/${o.otherVideo}`);
  await page.fill('#lift-reason', 'case closed');
  await page.click('#lift');
  await page.waitForSelector('#hold-form');
  t.true((await logOf(USERS.officer)).includes(`unhold:ok:{"clipId":"${o.otherVideo}","reason":"case closed"}`));
  t.regex(await page.textContent('#custody') ?? '', /caseNumber: 0100-2026-4711/);
  await page.context().close();
});

test.serial('markers: the guard\'s marker and an officer\'s bookmark on the timeline; added through the operation, logged; search by marker present', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  await page.goto(`${o.base}/office/clips/${o.video}`);
  t.deepEqual(await page.$$eval('#markers tbody tr', (trs) => trs.map((tr) => tr.textContent!.trim())), ['0:01.5guard (camera button)']);
  await page.fill('#marker-at', '2.5');
  await page.fill('#marker-note', 'door opens');
  await page.click('#add-marker');
  await page.waitForSelector('#msg');
  t.is((await page.textContent('#msg'))?.trim(), 'Marker added.');
  const rows = await page.$$eval('#markers tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent!.trim())));
  t.deepEqual(rows, [['0:01.5', 'guard (camera button)', ''], ['0:02.5', USERS.officer, 'door opens']]);
  // Ticks placed along the 6 s clip by player.js (no inline style under the CSP).
  const ticks = await page.$$eval('#timeline .tick', (ts) => ts.map((x) => `${x.className}@${(x as HTMLElement).style.left}`));
  t.is(ticks.length, 2);
  t.regex(ticks[0]!, /camera@25%/);
  t.regex(ticks[1]!, /officer@41\.66/);
  t.true((await logOf(USERS.officer)).includes(`marker-add:ok:{"clipId":"${o.video}","offsetMs":2500,"note":"door opens"}`));
  // Play, then a click on the bookmark seeks the player there.
  await page.click('#play');
  await page.waitForFunction(() => document.getElementById('player')!.getAttribute('data-loaded') === '1', undefined, { timeout: 30_000 });
  await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).pause());
  await page.click('#markers tbody tr:nth-child(2) button.seek');
  await page.waitForFunction(() => Math.abs((document.getElementById('player') as HTMLVideoElement).currentTime - 2.5) < 0.3, undefined, { timeout: 10_000 });
  // Bad input names the field; nothing stored.
  const bad = await page.evaluate(async (id) => {
    const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
    const r = await fetch(`/office/clips/${id}/markers`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, offset: '600', note: 'late' }) });
    return `${r.status} ${await r.text()}`;
  }, o.video);
  t.regex(bad, /^400 [\s\S]*offsetMs: past the clip&#39;s end/);
  await page.goto(`${o.base}/office/search?hasMarker=true`);
  t.deepEqual(await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.children[1]!.textContent)), ['cam-7']);
  t.true((await logOf(USERS.officer)).includes('search:ok:{"hasMarker":"true","limit":"26"}'));
  await page.context().close();
});

test.serial('category and cases: the category changes with a reason and the deadline follows; clips grouped into a case; the case page lists them; all logged', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  const clipUrl = (id: string) => `${o.base}/office/clips/${id}`;
  await page.goto(clipUrl(o.otherVideo));
  const before = Date.parse(`${(await page.textContent('#delete-after'))!.trim().replace(' ', 'T')}Z`);
  await page.fill('#new-purpose', 'police-report');
  await page.fill('#category-reason', 'reported to the police');
  await page.click('#set-category');
  await page.waitForSelector('#msg');
  t.regex(await page.textContent('#category') ?? '', /police-report/);
  const after = Date.parse(`${(await page.textContent('#delete-after'))!.trim().replace(' ', 'T')}Z`);
  t.is(after - before, 16 * 86_400_000, 'retention 30 days instead of 14');
  t.is((await o.f.store.get(o.otherVideo))!.purpose, 'police-report');
  t.true((await logOf(USERS.officer)).includes(`category:ok:{"clipId":"${o.otherVideo}","purpose":"police-report","reason":"reported to the police"}`));
  // Without a reason: refused, naming the field, logged as an error; nothing changed.
  const noReason = await page.evaluate(async (id) => {
    const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
    const r = await fetch(`/office/clips/${id}/category`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, purpose: 'staff-safety', reason: ' ' }) });
    return `${r.status} ${await r.text()}`;
  }, o.otherVideo);
  t.regex(noReason, /^400 [\s\S]*reason: required/);
  t.is((await o.f.store.get(o.otherVideo))!.purpose, 'police-report');
  t.true((await logOf(USERS.officer)).some((l) => l.startsWith(`category:error:{"clipId":"${o.otherVideo}","purpose":"staff-safety"`)));

  for (const id of [o.otherVideo, o.video]) {
    await page.goto(clipUrl(id));
    await page.fill('#add-case', 'K-2026-77');
    await page.click('#add-to-case');
    await page.waitForSelector('#cases');
    t.true((await logOf(USERS.officer)).includes(`case-add:ok:{"clipId":"${id}","caseNumber":"K-2026-77"}`));
  }
  await page.click('#cases a.case-link');
  await page.waitForSelector('#case-number');
  t.true(page.url().endsWith('/office/cases/K-2026-77'));
  t.deepEqual(await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.children[1]!.textContent).sort()), ['cam-7', 'cam-8']);
  await shot(page, 'case');
  t.true((await logOf(USERS.officer)).includes('search:ok:{"caseNumber":"K-2026-77","limit":"1000"}'));
  await page.goto(`${o.base}/office/search?caseNumber=K-2026-77`);
  t.is(await page.$$eval('#results tbody tr', (trs) => trs.length), 2);
  // Out of the case again, with a reason.
  await page.goto(clipUrl(o.video));
  await page.fill('form.uncase input[name="reason"]', 'not this incident');
  await page.click('form.uncase button');
  await page.waitForSelector('#no-cases');
  t.true((await logOf(USERS.officer)).includes(`case-remove:ok:{"clipId":"${o.video}","caseNumber":"K-2026-77","reason":"not this incident"}`));
  await page.goto(`${o.base}/office/cases/K-2026-77`);
  t.deepEqual(await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.children[1]!.textContent)), ['cam-8']);
  await page.context().close();
});

test.serial('viewer: no hold form, and a hold posted anyway is refused by the server and logged; disabling the account ends the session', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.viewer);
  await page.goto(`${o.base}/office/clips/${o.otherVideo}`);
  t.truthy(await page.$('#play'), 'a viewer may view');
  t.is(await page.$('#hold-form'), null);
  t.is(await page.$('#unhold-form'), null);
  const status = await page.evaluate(async (id) => {
    const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
    const r = await fetch(`/office/clips/${id}/hold`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, reason: 'x', caseNumber: 'y' }) });
    return r.status;
  }, o.otherVideo);
  t.is(status, 403);
  t.true((await o.log.entries()).some((e) => e.user === USERS.viewer && e.action === 'hold' && e.outcome === 'denied' && /role viewer lacks the hold permission/.test(e.reason ?? '')));
  t.is((await o.f.store.get(o.otherVideo))!.hold, null);
  // Markers: listed, but no form for a viewer, and the server refuses one posted anyway.
  t.truthy(await page.$('#no-markers'));
  t.is(await page.$('#marker-form'), null);
  const mark = await page.evaluate(async (id) => {
    const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
    return (await fetch(`/office/clips/${id}/markers`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, offset: '1', note: 'x' }) })).status;
  }, o.otherVideo);
  t.is(mark, 403);
  t.is(await page.$('#category-form'), null);
  t.is(await page.$('#case-form'), null);
  for (const [path, body] of [['category', { purpose: 'x', reason: 'y' }], ['cases', { caseNumber: 'K-1' }]] as [string, Record<string, string>][]) {
    const st = await page.evaluate(async ([id, p, b]) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
      return (await fetch(`/office/clips/${id}/${p}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, ...b }) })).status;
    }, [o.otherVideo, path, body] as [string, string, Record<string, string>]);
    t.is(st, 403, path);
  }
  t.true((await o.log.entries()).some((e) => e.user === USERS.viewer && e.action === 'category' && e.outcome === 'denied'));
  t.true((await o.log.entries()).some((e) => e.user === USERS.viewer && e.action === 'case-add' && e.outcome === 'denied'));
  t.true((await o.log.entries()).some((e) => e.user === USERS.viewer && e.action === 'marker-add' && e.outcome === 'denied' && /lacks the annotate permission/.test(e.reason ?? '')));
  // Disabling the account ends its open session at the next click.
  await o.users.disable(USERS.admin, USERS.viewer);
  t.is((await page.goto(`${o.base}/office/search`))!.url(), `${o.base}/office/login`);
  await page.context().close();
});

test.serial('administrator and auditor: no footage on the page, and the server refuses search, clip page and playback; the administrator unlocks, the auditor cannot', async (t) => {
  for (const who of [USERS.admin, USERS.auditor]) {
    const page = await o.page();
    await o.signIn(page, who);
    t.true(page.url().endsWith('/office/home'), who);
    t.regex(await page.textContent('#no-footage') ?? '', /does not give access to footage/);
    t.is(await page.$('nav a[href="/office/search"]'), null);
    if (who === USERS.admin) {
      // The administrator unlocks the account the first test locked; the auditor gets no such control.
      t.regex(await page.textContent('#users') ?? '', new RegExp(`${USERS.victim}\\s*evidence-officer\\s*locked`));
      await shot(page, 'home-administrator');
      await page.click(`#unlock-${USERS.victim}`);
      await page.waitForSelector('#msg');
      t.is((await page.textContent('#msg'))?.trim(), `${USERS.victim} is unlocked.`);
      t.is((await o.users.get(USERS.victim))!.lockedAt, null);
      t.true((await logOf(USERS.admin)).includes(`user-unlock:ok:{"username":"${USERS.victim}"}`));
      const lena = await o.page();
      await o.signIn(lena, USERS.victim);
      t.true(lena.url().endsWith('/office/search'), 'signs in after the unlock');
      await lena.context().close();
    } else {
      t.is(await page.$('#users'), null);
      const unlock = await page.evaluate(async (name) => {
        const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
        return (await fetch(`/office/users/${name}/unlock`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` })).status;
      }, USERS.victim);
      t.is(unlock, 403);
      t.true((await logOf(USERS.auditor)).some((l) => l.startsWith(`user-unlock:denied:{"username":"${USERS.victim}"}`)));
    }
    t.is((await page.goto(`${o.base}/office/search?deviceId=cam-7`))!.status(), 403);
    t.is((await page.goto(`${o.base}/office/clips/${o.video}`))!.status(), 403);
    t.is(await page.$('#play'), null);
    const play = await page.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
      return (await fetch(`/office/clips/${id}/play`, { method: 'POST', headers: { 'x-csrf-token': csrf } })).status;
    }, o.video);
    t.is(play, 403);
    const mine = (await o.log.entries()).filter((e) => e.user === who);
    t.true(mine.some((e) => e.action === 'search' && e.outcome === 'denied' && e.criterion === '{"deviceId":"cam-7","limit":"26"}'));
    t.true(mine.some((e) => e.action === 'view' && e.outcome === 'denied' && e.criterion === `{"clipId":"${o.video}"}`));
    await page.context().close();
  }
});

test.serial('a cross-site POST is refused: from another origin\'s page, and with the cookie but a foreign Origin', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.officer);
  // Another site (localhost is not 127.0.0.1) serving a form that posts a hold to the office.
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<form id="f" method="post" action="${o.base}/office/clips/${o.video}/hold">
<input name="reason" value="forged"><input name="caseNumber" value="EVIL-1"></form><button id="go" onclick="document.getElementById('f').submit()">go</button>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  t.teardown(() => evil.close());
  await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
  const [resp] = await Promise.all([page.waitForResponse((r) => r.url().includes('/hold')), page.click('#go')]);
  t.is(resp.status(), 403);
  t.regex(await page.textContent('#error') ?? '', /did not come from a page of this office/);
  t.is((await o.f.store.get(o.video))!.hold, null, 'no hold placed');

  t.true((await o.log.entries()).some((e) => e.action === 'web-refused' && e.user === '-' && /cross-site/.test(e.reason ?? '')), 'the browser sent no cookie (SameSite=Strict) and a foreign origin');
  const cookie = (await page.context().cookies(`${o.base}/office/`)).filter((c) => c.name === 'office_sid').map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await fetch(`${o.base}/office/clips/${o.video}/hold`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=x&caseNumber=y' });
  t.is(res.status, 403);
  const body = await res.text();
  t.truthy(cookie);
  t.notRegex(body, /at .*\.ts|\/work\/|node:|Error:/, 'no stack or path');
  t.true((await o.log.entries()).some((e) => e.action === 'web-refused' && e.user === USERS.officer && /foreign|cross-site/.test(e.reason ?? '')));
  t.is((await o.f.store.get(o.video))!.hold, null);
  await page.context().close();
});

test.serial('security headers, error pages, logout, and Danish from Accept-Language', async (t) => {
  const res = await fetch(`${o.base}/office/login`);
  const csp = res.headers.get('content-security-policy') ?? '';
  t.regex(csp, /default-src 'none'/); t.regex(csp, /script-src 'self'/); t.notRegex(csp, /unsafe-inline|unsafe-eval/);
  t.is(res.headers.get('x-frame-options'), 'DENY');
  t.regex(res.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
  t.notRegex(await res.text(), /<script(?![^>]*src=)/, 'no inline script');
  const nf = await fetch(`${o.base}/office/nowhere`, { redirect: 'manual' });
  t.is(nf.status, 303, 'not signed in: sent to the sign-in page');
  t.is(nf.headers.get('location'), '/office/login');
  const page = await o.page({ locale: 'da-DK' });
  await page.goto(`${o.base}/office/login`);
  t.is((await page.textContent('#signin'))?.trim(), 'Log ind');
  await shot(page, 'sign-in-da');
  await o.signIn(page, USERS.officer);
  t.regex(await page.textContent('h1') ?? '', /Søg/);
  const missing = await page.goto(`${o.base}/office/clips/no-such-clip`);
  t.is(missing!.status(), 404);
  t.notRegex(await page.content(), /\/work\/|\.ts:\d|node:internal/);
  await page.click('#logout');
  await page.waitForURL(/\/office\/login\?out=1/);
  t.is((await page.goto(`${o.base}/office/search`))!.url(), `${o.base}/office/login`);
  await page.context().close();
});
