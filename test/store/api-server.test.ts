// The server entry as a real process: bad config exits 78 naming the field; a good one ingests a clip
// from a dock over real mosquitto (receipt signed by the sealed store key), serves it through the API,
// runs the start-up jobs (logged as 'system') and stops cleanly on SIGTERM.
import test from 'ava';
import { spawn } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseStoreConfig, storePaths } from '../../central-store/config.js';
import { openStoreContext } from '../../central-store/store-context.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { makeClip, quiet } from '../mqtt/setup.js';
import { FAST_SCRYPT, PW, tempDb } from './helpers.js';
import { dockAuthFor } from '../helpers/pki.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const server = (cfg: string, env: Record<string, string> = {}) =>
  spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), cfg], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
const exited = (p: ReturnType<typeof server>) => new Promise<number | null>((r) => p.on('close', (c) => r(c)));

test('bad config: exit 78 naming the field; missing master key: exit 1 saying so', async (t) => {
  const { dir } = await tempDb(t);
  const cfg = path.join(dir, 'bad.json');
  writeFileSync(cfg, JSON.stringify({ storeId: 's', dataDir: 'd', mqtt: { url: 'http://nope' } }));
  const p = server(cfg);
  let err = ''; p.stderr.on('data', (d) => { err += d; });
  t.is(await exited(p), 78);
  t.regex(err, /config\.mqtt\.url:/);
  writeFileSync(cfg, JSON.stringify({ storeId: 's', dataDir: 'd', mqtt: { url: 'mqtts://127.0.0.1:1', tls: { caPath: 'ca', certPath: 'c', keyPath: 'k' } } }));
  const r = server(cfg);
  let err1 = ''; r.stderr.on('data', (d) => { err1 += d; });
  t.is(await exited(r), 78);
  t.regex(err1, /config\.mqtt\.tls\.caPath: cannot read/);
  for (const f of ['ca', 'c', 'k']) writeFileSync(path.join(dir, f), 'x');
  const q = server(cfg, { BODYCAM_MASTER_KEY_FILE: '', BODYCAM_MASTER_PASSPHRASE: '' });
  let err2 = ''; q.stderr.on('data', (d) => { err2 += d; });
  t.is(await exited(q), 1);
  t.regex(err2, /master key: none given/);
});

test('server: ingest over mosquitto, API search, start-up jobs logged, SIGTERM exits 0', async (t) => {
  const b = await startMosquitto();
  t.teardown(() => b.stop());
  const { dir } = await tempDb(t);
  const keyFile = path.join(dir, 'master.key');
  writeFileSync(keyFile, randomBytes(32));
  const cfgObj = { storeId: 'store-srv', dataDir: 'data', mqtt: { url: b.url, tls: b.files('central-1', 'central') }, api: { port: 0 }, epochDaysAhead: 2 };
  const cfg = path.join(dir, 'store.json');
  writeFileSync(cfg, JSON.stringify(cfgObj));
  const config = parseStoreConfig({ ...cfgObj, dataDir: path.join(dir, 'data') });
  const pre = await openStoreContext(config, { masterKey: async () => readFileSync(keyFile), scrypt: FAST_SCRYPT });
  await pre.ops.bootstrapAdmin('root', PW);
  await pre.ops.createUser('root', { username: 'owen', role: 'evidence-officer', password: PW });
  await pre.close();

  const p = server(cfg, { BODYCAM_MASTER_KEY_FILE: keyFile });
  const done = exited(p);
  let err = ''; p.stderr.on('data', (d) => { err += d; });
  const ready = await new Promise<{ port: number; publicKey: string }>((resolve, reject) => {
    createInterface({ input: p.stdout }).once('line', (l) => resolve(JSON.parse(l)));
    p.once('close', () => reject(new Error(`server exited: ${err}`)));
  });
  t.is(ready.publicKey, storePaths(config).signingPub);
  // Upcoming epoch keys were made at start; their public halves wait for the CA to sign them.
  const today = `epoch-${new Date().toISOString().slice(0, 10)}`;
  const published = readdirSync(storePaths(config).epochs);
  t.true(published.includes(`${today}.json`) && published.includes(`${today}.pub.pem`), published.join(' '));
  t.is(published.filter((n) => n.endsWith('.json')).length, 2, 'epochDaysAhead: 2');
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: createPublicKey(readFileSync(ready.publicKey)), statusTimeoutMs: 1000, log: quiet('up') });
  t.teardown(() => up.close());
  const c = await makeClip(dir, 50_000, 'cam-9');
  const receipt = await up.upload(c.clip, c.file);
  t.regex(receipt.body, new RegExp(c.clip.clipId));

  const base = `http://127.0.0.1:${ready.port}`;
  const login = await fetch(`${base}/login`, { method: 'POST', body: JSON.stringify({ username: 'owen', password: PW }) });
  t.is(login.status, 200);
  const { token } = await login.json() as { token: string };
  const res = await fetch(`${base}/clips?deviceId=cam-9`, { headers: { authorization: `Bearer ${token}` } });
  t.is(res.status, 200);
  const body = await res.json() as { clips: { clipId: string; sha256: string }[] };
  t.deepEqual(body.clips.map((x) => [x.clipId, x.sha256]), [[c.clip.clipId, c.clip.sha256]]);
  // The same server serves the evidence office (docs/web-office.md).
  const office = await fetch(`${base}/office/login`);
  t.is(office.status, 200);
  t.regex(office.headers.get('content-security-policy') ?? '', /default-src 'none'/);

  p.kill('SIGTERM');
  t.is(await done, 0, err);
  const after = await openStoreContext(config, { masterKey: async () => readFileSync(keyFile) });
  t.teardown(() => after.close());
  const lines = (await after.log.entries()).map((e) => `${e.user}|${e.action}|${e.outcome}`);
  for (const want of ['system|retention-run|ok', 'system|log-purge|ok', 'owen|login|ok', 'owen|search|ok']) t.true(lines.includes(want), want);
  t.true((await after.log.verify()).ok);
});
