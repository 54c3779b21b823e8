// The office's session rules (idle timeout, absolute lifetime, bounded table; sessions live in the index),
// cookie attributes, language choice and its configuration defaults: no browser.
import test from 'ava';
import { parseStoreConfig } from '../../central-store/config.js';
import { pickLang } from '../../central-store/web/i18n.js';
import { cookie, parseCookies, SESSION_DEFAULTS, SessionBook } from '../../central-store/web/sessions.js';
import { tempDb } from '../store/helpers.js';

const MQTT = { url: 'mqtts://127.0.0.1', tls: { caPath: 'a', certPath: 'b', keyPath: 'c' } };

test('a session ends after the idle timeout, and after the absolute lifetime however active it is', async (t) => {
  let now = 0;
  const { ix } = await tempDb(t);
  const book = new SessionBook(ix, 'office', { idleMs: 1000, absoluteMs: 5000, maxSessions: 10 }, () => now);
  const a = await book.create('owen');
  now = 999; t.is((await book.get(a.token) as { username: string }).username, 'owen');
  now = 1998; t.is(typeof await book.get(a.token), 'object', 'activity resets the idle clock');
  now = 2998; t.is(await book.get(a.token), 'expired');
  t.is(await book.get(a.token), 'none', 'gone once expired');
  const b = await book.create('vera');
  for (now = 3000; now < 7900; now += 900) t.is(typeof await book.get(b.token), 'object');
  now = 8000; t.is(await book.get(b.token), 'expired', 'absolute lifetime');
  t.is(await book.get('not-a-token'), 'none');
  t.not(a.session.csrf, b.session.csrf);
});

test('the session table is bounded: the oldest goes first', async (t) => {
  const { ix } = await tempDb(t);
  let now = 0;
  const book = new SessionBook(ix, 'office', { idleMs: 1e9, absoluteMs: 1e9, maxSessions: 3 }, () => now);
  const s = [];
  for (const i of [1, 2, 3, 4]) { s.push(await book.create(`u${i}`)); now++; }
  t.is(await book.size(), 3);
  t.is(await book.get(s[0]!.token), 'none');
  t.is(typeof await book.get(s[3]!.token), 'object');
  // An API session is another kind: it neither counts here nor opens an office session.
  const api = await new SessionBook(ix, 'api', { idleMs: 1e9, absoluteMs: 1e9, maxSessions: 3 }, () => now).create('u9');
  t.is(await book.size(), 3);
  t.is(await book.get(api.token), 'none');
});

test('cookies: HttpOnly, SameSite=Strict, Path=/office; Secure only under TLS', (t) => {
  t.is(cookie('office_sid', 'x', { secure: false }), 'office_sid=x; Path=/office; HttpOnly; SameSite=Strict');
  t.is(cookie('office_sid', 'x', { secure: true, maxAgeS: 0 }), 'office_sid=x; Path=/office; HttpOnly; SameSite=Strict; Secure; Max-Age=0');
  t.deepEqual(parseCookies('a=1; office_sid=abc; junk'), { a: '1', office_sid: 'abc' });
});

test('language: the switch wins, then Accept-Language by weight, else English', (t) => {
  t.is(pickLang(undefined, 'da-DK,da;q=0.9,en;q=0.8'), 'da');
  t.is(pickLang(undefined, 'en-US,da;q=0.5'), 'en');
  t.is(pickLang(undefined, 'de-DE,da;q=0.4'), 'da');
  t.is(pickLang(undefined, 'fr'), 'en');
  t.is(pickLang('en', 'da'), 'en');
  t.is(pickLang(undefined, undefined), 'en');
});

test('config: the office is on by default with 15 min idle and 8 h absolute; bad values name the field', (t) => {
  const c = parseStoreConfig({ storeId: 's', dataDir: '/tmp/x', mqtt: MQTT });
  t.deepEqual(c.api.office, { enabled: true, idleMinutes: 15, absoluteHours: 8 });
  t.is(SESSION_DEFAULTS.idleMs, 15 * 60_000); t.is(SESSION_DEFAULTS.absoluteMs, 8 * 3_600_000);
  t.throws(() => parseStoreConfig({ storeId: 's', dataDir: '/tmp/x', mqtt: MQTT, api: { office: { idleMinutes: 0 } } }), { message: /config\.api\.office\.idleMinutes/ });
});
