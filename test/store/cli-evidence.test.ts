// `bodycam store` on a real store directory: clips written by the clip writer and indexed as ingest
// does, then searched, decrypted to a file, held, refused deletion, exported, swept by retention.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseStoreConfig } from '../../central-store/config.js';
import { openStoreContext } from '../../central-store/store-context.js';
import { bodycam } from './cli-helpers.js';
import { FAST_SCRYPT, PW, tempDb } from './helpers.js';
import { addClip, iso } from './store-helpers.js';

test('CLI on a real store: search, view -o, hold, delete refused on hold, export, retention run, log purge', async (t) => {
  const { dir } = await tempDb(t);
  const keyFile = path.join(dir, 'master.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const data = path.join(dir, 'data');
  const cfgFile = path.join(dir, 'store.json');
  writeFileSync(cfgFile, JSON.stringify({ storeId: 'store-e2e', dataDir: 'data', masterKeyFile: 'master.key', mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'unused', certPath: 'unused', keyPath: 'unused' } } }));
  // Set up users and two clips in-process (fast scrypt here; the CLI reads any parameters).
  const now = Date.now();
  const ctx = await openStoreContext(parseStoreConfig({ storeId: 'store-e2e', dataDir: data, masterKeyFile: keyFile, mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'unused', certPath: 'unused', keyPath: 'unused' } } }),
    { masterKey: async () => Buffer.from(readFileSync(keyFile, 'utf8'), 'hex'), scrypt: FAST_SCRYPT });
  await ctx.ops.bootstrapAdmin('root', PW);
  await ctx.ops.createUser('root', { username: 'owen', role: 'evidence-officer', password: PW });
  await ctx.ops.createUser('root', { username: 'vera', role: 'viewer', password: PW });
  const ev = await ctx.evidence();
  const epoch = await ev.keys.createEpoch({ epochId: 'e-old', notBefore: iso(now - 20 * 86_400_000), notAfter: iso(now - 19 * 86_400_000) });
  const epoch2 = await ev.keys.createEpoch({ epochId: 'e-now', notBefore: iso(now - 86_400_000), notAfter: iso(now + 86_400_000) });
  const f = { db: ctx.db!, blobs: ctx.blobs, signing: await ctx.signingKey() };
  const old = await addClip(f, { epoch, startedAt: now - 20 * 86_400_000, deviceId: 'cam-1' });
  const fresh = await addClip(f, { epoch: epoch2, startedAt: now - 3600_000, deviceId: 'cam-2' });
  const keep = await addClip(f, { epoch: epoch2, startedAt: now - 7200_000, deviceId: 'cam-2' });
  await ctx.close();

  const as = (user: string, args: string[]) => bodycam([...args, '--config', cfgFile, '--user', user], { env: { BODYCAM_PASSWORD: PW } });
  const search = await as('owen', ['search', '--device-id', 'cam-2']);
  t.is(search.code, 0, search.stderr);
  t.deepEqual(search.json.map((c: { clipId: string }) => c.clipId).sort(), [fresh.clipId, keep.clipId].sort());

  const out = path.join(dir, 'fresh.ts');
  const view = await as('owen', ['view', fresh.clipId, '-o', out]);
  t.is(view.code, 0, view.stderr);
  t.true(readFileSync(out).equals(fresh.plaintext));
  const again = await as('owen', ['view', fresh.clipId, '-o', out]);
  t.is(again.code, 1, 'an existing file is not overwritten');
  const viewer = await as('vera', ['view', fresh.clipId, '-o', path.join(dir, 'v.ts')]);
  t.is(viewer.code, 1); t.regex(viewer.stderr, /lacks the download permission/);
  t.false(existsSync(path.join(dir, 'v.ts')));

  t.is((await as('owen', ['hold', keep.clipId, '--reason', 'complaint', '--case', 'K-5'])).code, 0);
  const del = await as('owen', ['delete', keep.clipId, '--reason', 'tidy']);
  t.is(del.code, 1); t.regex(del.stderr, /hold/);
  const miss = await as('owen', ['hold', keep.clipId, '--reason', 'x']);
  t.is(miss.code, 1); t.regex(miss.stderr, /^bodycam store: caseNumber: required/m);

  const zip = path.join(dir, 'police.zip');
  const ex = await as('owen', ['export', fresh.clipId, keep.clipId, '--journal', 'J-88', '--recipient', 'Politi', '-o', zip]);
  t.is(ex.code, 0, ex.stderr);
  t.true(existsSync(zip)); t.true(ex.json.password.length >= 12);

  const ret = await as('root', ['retention', 'run']);
  t.is(ret.code, 0, ret.stderr);
  t.deepEqual(ret.json.deleted.map((r: { clipId: string }) => r.clipId), [old.clipId]);
  const rec = await as('root', ['receipts']);
  t.is(rec.code, 0); t.is(rec.json.length, 1);

  const purge = await as('root', ['log', 'purge']);
  t.is(purge.code, 0, purge.stderr); t.is(purge.json.deleted, 0);
  const verify = await as('root', ['log', 'verify']);
  t.is(verify.code, 0); t.true(verify.json.ok);

  // The record deadlines on demand, and the review's record table (issue 19).
  const rp = await as('root', ['records', 'purge']);
  t.is(rp.code, 0, rp.stderr); t.is(rp.json.exportRecords, 0); t.is(rp.json.disabledUsers, 0);
  const rv = await as('root', ['review']);
  t.is(rv.code, 0, rv.stderr);
  t.regex(rv.stdout, /Records and their deadlines/);
  t.regex(rv.stdout, /^clips\s+2\s+\S+\s+0\s+retention 14 days/m);
  t.regex(rv.stdout, /^export records\s+1\s/m);
  t.regex(rv.stdout, /Nothing past its deadline\./);

  // Every one of those calls is in the log with user, action and criterion.
  const c2 = await openStoreContext(parseStoreConfig({ storeId: 'store-e2e', dataDir: data, mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'unused', certPath: 'unused', keyPath: 'unused' } } }), { masterKey: async () => { throw new Error('not needed'); } });
  t.teardown(() => c2.close());
  const lines = (await c2.log.entries()).map((e) => `${e.user}|${e.action}|${e.outcome}|${e.criterion}`);
  for (const want of [
    'owen|search|ok|{"deviceId":"cam-2"}', `owen|download|ok|{"clipId":"${fresh.clipId}"}`, `vera|download|denied|{"clipId":"${fresh.clipId}"}`,
    `owen|hold|ok|{"clipId":"${keep.clipId}","reason":"complaint","caseNumber":"K-5"}`, `owen|delete|error|{"clipId":"${keep.clipId}","reason":"tidy"}`,
    `owen|export|ok|{"clipIds":["${fresh.clipId}","${keep.clipId}"],"journalNumber":"J-88","recipient":"Politi"}`, 'root|retention-run|ok|{}', 'root|deletion-receipts|ok|{}',
  ]) t.true(lines.includes(want), want);
  t.true(lines.some((l) => l.startsWith('root|log-purge|ok|{"olderThan"')));
});
