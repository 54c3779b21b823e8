// The keys directory several central nodes share (config keysDir): two nodes with their own data
// directories over one PostgreSQL index and one keys directory. A key one makes opens on the other,
// two generating the same epoch at once end with one key, a destruction on one is seen by the other
// (even with the key cached), both sign with one signing key. An unusable keysDir exits 78 naming it.
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadStoreConfig, parseStoreConfig } from '../../central-store/config.js';
import { verifyKeyDestruction } from '../../central-store/evidence.js';
import { openStoreContext } from '../../central-store/store-context.js';
import { testPostgres } from '../helpers/backends/index.js';
import { code } from './store-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MQTT = { url: 'mqtts://127.0.0.1:1', tls: { caPath: 'ca', certPath: 'c', keyPath: 'k' } };

async function tempDir(t: import('ava').ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('config: keysDir defaults to <dataDir>/keys; relative to the config file like the other paths', async (t) => {
  const dir = await tempDir(t, 'keys-cfg-');
  await writeFile(path.join(dir, 'store.json'), JSON.stringify({ storeId: 's', dataDir: 'data', keysDir: '../shared-keys', mqtt: MQTT }));
  t.is(loadStoreConfig(path.join(dir, 'store.json')).keysDir, path.resolve(dir, '../shared-keys'));
  t.is(parseStoreConfig({ storeId: 's', dataDir: '/d', mqtt: MQTT }).keysDir, undefined);
  t.throws(() => parseStoreConfig({ storeId: 's', dataDir: '/d', keysDir: '', mqtt: MQTT }), { message: /^config\.keysDir:/ });
});

test('server start: a keysDir it cannot use exits 78 naming config.keysDir', async (t) => {
  const dir = await tempDir(t, 'keys-main-');
  for (const f of ['ca', 'c', 'k']) await writeFile(path.join(dir, f), 'x');
  await writeFile(path.join(dir, 'master.key'), randomBytes(32));
  await writeFile(path.join(dir, 'a-file'), 'not a directory');
  await writeFile(path.join(dir, 'store.json'), JSON.stringify({ storeId: 's', dataDir: 'data', keysDir: 'a-file/keys', mqtt: MQTT }));
  const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), path.join(dir, 'store.json')], { cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', BODYCAM_MASTER_KEY_FILE: path.join(dir, 'master.key') }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = ''; p.stderr!.on('data', (d) => { err += d; });
  t.is(await new Promise((r) => p.on('close', r)), 78, err);
  t.regex(err, new RegExp(`config\\.keysDir: ${path.join(dir, 'a-file/keys').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot use it for the key files \\(ENOTDIR\\)`));
});

const server = await testPostgres();
if (!server.ok) test.skip(`shared keys directory on PostgreSQL skipped: ${server.reason}`, () => undefined);
else {
  test('two nodes, one keys directory: a key made on one opens on the other, one epoch key when both make it, a destruction on one is seen by the other, one signing key', async (t) => {
    const db = `keys_${process.pid}_${Date.now().toString(36)}`;
    const admin = async (sql: string) => { const c = new pg.Client({ connectionString: server.value }); await c.connect(); try { await c.query(sql); } finally { await c.end(); } };
    await admin(`CREATE DATABASE ${db}`);
    t.teardown(() => admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
    const url = new URL(server.value); url.pathname = `/${db}`;
    const root = await tempDir(t, 'keys-shared-');
    const keysDir = path.join(root, 'shared-keys');
    const master = randomBytes(32);
    const node = async (name: string) => {
      const ctx = await openStoreContext(parseStoreConfig({ storeId: 's', dataDir: path.join(root, name), keysDir, mqtt: MQTT, index: { backend: 'postgres', postgres: { url: url.toString() } } }),
        { masterKey: async () => master });
      t.teardown(() => ctx.close());
      return { ctx, ev: await ctx.evidence() };
    };
    const [a, b] = await Promise.all([node('node-a'), node('node-b')]);
    const pubA = (await a.ctx.signingKey()).publicKey.export({ type: 'spki', format: 'pem' });
    t.is((await b.ctx.signingKey()).publicKey.export({ type: 'spki', format: 'pem' }), pubA, 'one signing key for both nodes');
    t.is(readFileSync(path.join(root, 'node-b', 'receipt-signing.pub.pem'), 'utf8'), String(pubA), 'each node has the public half in its data directory');
    t.true(existsSync(path.join(keysDir, 'signing-key.sealed.json')));

    const w = { notBefore: '2026-03-01T00:00:00.000Z', notAfter: '2026-03-02T00:00:00.000Z' };
    const [ea, eb] = await Promise.all([a.ev.keys.createEpoch({ epochId: 'epoch-x', ...w }), b.ev.keys.createEpoch({ epochId: 'epoch-x', ...w })]);
    t.is(ea.publicKeyPem, eb.publicKeyPem, 'both nodes hand out the one key stored');
    const der = async (n: typeof a) => (await n.ev.keys.privateKey('epoch-x')).export({ type: 'pkcs8', format: 'der' });
    t.true((await der(a)).equals(await der(b)), 'the private key opens on both nodes');
    await a.ev.keys.createEpoch({ epochId: 'epoch-y', ...w });
    t.truthy(await b.ev.keys.privateKey('epoch-y'), 'a key made on node A opens on node B');

    const receipt = await b.ev.keys.destroy('epoch-x', 'test');
    t.false(existsSync(path.join(keysDir, 'epoch.epoch-x.key')), 'the one file is gone');
    t.regex(await code(() => a.ev.keys.privateKey('epoch-x')), /^key-destroyed: /, 'node A no longer serves it from its cache');
    const listed = await a.ev.keyDestructionReceipts();
    t.deepEqual(listed, [receipt], 'node A lists the receipt node B signed');
    t.like(verifyKeyDestruction(listed[0]!, (await a.ctx.signingKey()).publicKey), { keyName: 'epoch-x' });
    t.false(existsSync(path.join(root, 'node-a', 'keys')) || existsSync(path.join(root, 'node-b', 'keys')), 'no node-local key directory');
  });
}
