/// <reference lib="dom" />
// Administration in real Chromium (one browser, one store for the file): create users with a
// store-made password (shown once) or one the administrator sets, change a role, disable and enable,
// unlock, each with its reason in the access log; the last administrator kept; the permission table
// equal to the check's own tables; other roles refused the pages and the posts, and logged.
import test from 'ava';
import type { Page } from 'playwright-core';
import { ACTIONS, type Action } from '../../central-store/operations.js';
import { can, PERMISSIONS, ROLES } from '../../central-store/users.js';
import { PW } from '../store/helpers.js';
import { startOffice, USERS, type Office, shot, postForm } from './office-fixture.js';

let o: Office;
test.before(async () => { o = await startOffice(); });
test.after.always(async () => { await o?.close(); });

const post = postForm;
const entries = async (user: string, action: string) => (await o.log.entries()).filter((e) => e.user === user && e.action === action);
const signInAs = async (username: string, password: string) => {
  const page = await o.page();
  await o.signIn(page, username, password);
  return page;
};

test.serial('administrator: create users (store-made password shown once, or set), change a role, disable, enable, unlock; each reason logged', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.admin);
  await page.click('nav a[href="/office/admin/users"]');
  await page.waitForSelector('#users');
  t.regex(await page.textContent('#users') ?? '', new RegExp(`${USERS.officer}\\s*evidence-officer`));

  // 1. A viewer with a password the store makes: on this answer only.
  await page.fill('#new-username', 'nina');
  await page.selectOption('#new-role', 'viewer');
  await page.fill('#create-reason', 'new night guard supervisor');
  await page.check('#mode-generate');
  await page.click('#create-user');
  await page.waitForSelector('#user-created');
  const initial = (await page.textContent('#initial-password'))!.trim();
  t.regex(initial, /^[A-Za-z0-9_-]{24}$/);
  await shot(page, 'admin-users');
  t.true((await o.log.entries()).every((e) => !e.criterion.includes(initial) && !(e.reason ?? '').includes(initial)), 'the password is in no log entry');
  t.true((await entries(USERS.admin, 'user-create')).some((e) => e.outcome === 'ok' && e.criterion === '{"username":"nina","role":"viewer","generate":true,"reason":"new night guard supervisor"}'));
  await page.goto(`${o.base}/office/admin/users`);
  t.false((await page.content()).includes(initial), 'not shown again');
  const nina = await signInAs('nina', initial);
  t.true(nina.url().endsWith('/office/search'), 'the new user signs in with it');
  t.is(await nina.$('nav a[href="/office/export"]'), null, 'a viewer cannot export');

  // 2. One with a password the administrator sets; too short a one names the field and makes nothing.
  await page.fill('#new-username', 'sam');
  await page.selectOption('#new-role', 'auditor');
  await page.fill('#create-reason', 'yearly audit');
  await page.check('#mode-set');
  await page.fill('#new-password', 'short');
  await page.evaluate(() => document.getElementById('create-form')!.setAttribute('novalidate', ''));
  await page.click('#create-user');
  await page.waitForSelector('#msg');
  t.regex(await page.textContent('#msg') ?? '', /password: at least 12 characters/);
  t.is(await o.users.get('sam'), undefined);
  await page.fill('#new-password', `${PW}-sam`);
  await page.click('#create-user');
  await page.waitForSelector('#user-created');
  t.is(await page.$('#initial-password'), null, 'a set password is not shown');
  const sam = await signInAs('sam', `${PW}-sam`);
  t.true(sam.url().endsWith('/office/home'));
  await sam.context().close();

  // 3. A role change, with its reason, applies at the user's next click.
  await page.click('a.user-link:text-is("nina")');
  await page.waitForSelector('#role-form');
  t.is((await page.textContent('#user-permissions'))?.trim(), 'search, view');
  await page.selectOption('#role', 'evidence-officer');
  await page.fill('#role-reason', 'took over the case desk');
  await page.click('#set-role');
  await page.waitForSelector('#msg');
  t.regex(await page.textContent('#msg') ?? '', /Role changed/);
  t.is((await page.textContent('#user-role'))?.trim(), 'evidence-officer');
  await shot(page, 'admin-user');
  t.true((await entries(USERS.admin, 'user-role')).some((e) => e.outcome === 'ok' && e.criterion === '{"username":"nina","role":"evidence-officer","reason":"took over the case desk"}'));
  await nina.reload();
  t.truthy(await nina.$('nav a[href="/office/export"]'), 'the new role shows at the next click');
  // Without a reason the server refuses (the form's `required` aside).
  const noReason = await post(page, '/office/admin/users/nina/role', { role: 'viewer' });
  t.is(noReason.status, 400); t.regex(noReason.text, /reason: required/);
  t.is((await o.users.get('nina'))!.role, 'evidence-officer');

  // 4. Disable ends the open session; the right password then hears "disabled"; enable lets her back.
  await page.fill('#disable-reason', 'on leave');
  await page.click('#disable');
  await page.waitForSelector('#enable-form');
  t.truthy((await o.users.get('nina'))!.disabledAt);
  t.is((await nina.goto(`${o.base}/office/search`))!.url(), `${o.base}/office/login`);
  await nina.fill('#username', 'nina'); await nina.fill('#password', initial); await nina.click('#signin');
  t.is((await nina.textContent('#msg'))?.trim(), 'This account is disabled.');
  await page.fill('#enable-reason', 'back from leave');
  await page.click('#enable');
  await page.waitForSelector('#disable-form');
  t.is((await o.users.get('nina'))!.disabledAt, null);
  await o.signIn(nina, 'nina', initial);
  t.true(nina.url().endsWith('/office/search'));
  t.true((await entries(USERS.admin, 'user-disable')).some((e) => e.outcome === 'ok' && e.criterion === '{"username":"nina","reason":"on leave"}'));
  t.true((await entries(USERS.admin, 'user-enable')).some((e) => e.outcome === 'ok' && e.criterion === '{"username":"nina","reason":"back from leave"}'));
  await nina.context().close();

  // 5. Five wrong passwords lock nina; the administrator unlocks her from her page.
  const guess = await o.page();
  for (let i = 0; i < 5; i++) {
    await guess.goto(`${o.base}/office/login`);
    await guess.fill('#username', 'nina'); await guess.fill('#password', `wrong ${i}`); await guess.click('#signin');
    await guess.waitForSelector('#msg');
  }
  t.truthy((await o.users.get('nina'))!.lockedAt);
  await page.goto(`${o.base}/office/admin/users/nina`);
  t.regex(await page.textContent('#user-state') ?? '', /locked/);
  await page.fill('#unlock-reason', 'called the desk, identity checked');
  await page.click('#unlock');
  await page.waitForSelector('#msg');
  t.is((await page.textContent('#msg'))?.trim(), 'nina is unlocked.');
  t.is((await o.users.get('nina'))!.lockedAt, null);
  t.true((await entries(USERS.admin, 'user-unlock')).some((e) => e.outcome === 'ok' && e.criterion === '{"username":"nina","reason":"called the desk, identity checked"}'));
  await o.signIn(guess, 'nina', initial);
  t.true(guess.url().endsWith('/office/search'));
  await guess.context().close();

  // 6. The last active administrator can be neither disabled nor demoted.
  await page.goto(`${o.base}/office/admin/users/${USERS.admin}`);
  await page.fill('#disable-reason', 'test');
  await page.click('#disable');
  await page.waitForSelector('#msg');
  t.regex(await page.textContent('#msg') ?? '', /last active administrator/);
  t.is((await o.users.get(USERS.admin))!.disabledAt, null);
  const demote = await post(page, `/office/admin/users/${USERS.admin}/role`, { role: 'auditor', reason: 'test' });
  t.is(demote.status, 409);
  t.is((await o.users.get(USERS.admin))!.role, 'administrator');
  await page.context().close();
});

test.serial('the permission table is the one the check uses: every role × permission cell, every action, who holds each role', async (t) => {
  const page = await o.page();
  await o.signIn(page, USERS.admin);
  await page.goto(`${o.base}/office/admin/users`);
  await page.click('#permissions-link');
  await page.waitForSelector('#grid');
  await shot(page, 'admin-permissions');
  const cells = await page.$$eval('#grid td[data-permission]', (tds) => tds.map((td) => [td.getAttribute('data-role'), td.getAttribute('data-permission'), td.classList.contains('yes')] as [string, string, boolean]));
  t.is(cells.length, ROLES.length * PERMISSIONS.length);
  for (const [role, perm, yes] of cells) t.is(yes, can(role as never, perm as never), `${role} × ${perm}`);
  const listed = await page.$$eval('#actions td[data-permission]', (tds) => tds.map((td) => [td.getAttribute('data-permission'), td.textContent!.trim().split(/\s+/).filter(Boolean)] as [string, string[]]));
  for (const [perm, actions] of listed) {
    t.deepEqual(actions.sort(), (Object.keys(ACTIONS) as Action[]).filter((a) => ACTIONS[a] === perm && a !== 'user-bootstrap').sort(), perm);
  }
  t.is(listed.length, PERMISSIONS.length);
  const holders = await page.$$eval('#grid td.holders', (tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-role'), td.textContent!.trim()])));
  t.regex(holders['evidence-officer']!, new RegExp(`\\b${USERS.officer}\\b`));
  t.regex(holders.administrator!, new RegExp(`\\b${USERS.admin}\\b`));
  await page.context().close();
});

test.serial('other roles: no administration in the page, and the server refuses the pages and every change, logged', async (t) => {
  for (const who of [USERS.officer, USERS.auditor]) {
    const page = await o.page();
    await o.signIn(page, who);
    t.is(await page.$('nav a[href="/office/admin/users"]'), null, who);
    for (const p of ['/office/admin/users', '/office/admin/permissions', `/office/admin/users/${USERS.viewer}`]) t.is((await page.goto(`${o.base}${p}`))!.status(), 403, `${who} ${p}`);
    const before = await o.users.get(USERS.viewer)!;
    t.is((await post(page, '/office/admin/users', { username: 'mallory', role: 'administrator', mode: 'generate', reason: 'x' })).status, 403);
    t.is((await post(page, `/office/admin/users/${USERS.viewer}/role`, { role: 'administrator', reason: 'x' })).status, 403);
    t.is((await post(page, `/office/admin/users/${USERS.viewer}/disable`, { reason: 'x' })).status, 403);
    t.is(await o.users.get('mallory'), undefined);
    t.deepEqual(await o.users.get(USERS.viewer), before);
    for (const a of ['user-list', 'user-create', 'user-role', 'user-disable']) t.true((await entries(who, a)).some((e) => e.outcome === 'denied' && /lacks the admin permission/.test(e.reason ?? '')), `${who} ${a}`);
    await page.context().close();
  }
});
