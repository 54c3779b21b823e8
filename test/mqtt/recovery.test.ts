import test from 'ava';
import { rm } from 'node:fs/promises';
import { Uploader } from '../../dock-agent/uploader.js';
import type { Ingest } from '../../central-store/ingest.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { blobBytes, makeCentral, makeClip, quiet, tmpDir } from './setup.js';
import { dockAuthFor } from '../helpers/pki.js';
import { clipCountIn } from '../helpers/index-read.js';

const MB = 1024 * 1024;

test('broker restarted mid-upload (queued messages lost): the upload completes hash-exact', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  await central.start();
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 128 * 1024, statusTimeoutMs: 800, log: quiet('up') });
  t.teardown(() => up.close());
  const c = await makeClip(spool, 8 * MB + 5);
  let restarted: Promise<void> | null = null;
  const receipt = await up.upload(c.clip, c.file, (sent) => { if (sent === 20 && !restarted) restarted = b.restart(); });
  t.truthy(restarted, 'the broker was restarted during the upload');
  t.true(receipt.body.includes(c.clip.sha256!));
  t.true((await blobBytes(central, c.clip.clipId)).equals(c.data));
});

test('central ingest restarted mid-upload: completes from its partial state, one row', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  let ingest: Ingest = await central.start();
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 128 * 1024, statusTimeoutMs: 800, log: quiet('up') });
  t.teardown(() => up.close());
  const c = await makeClip(spool, 8 * MB);
  const stored: string[] = [];
  let restart: Promise<void> | null = null;
  const receipt = await up.upload(c.clip, c.file, (sent) => {
    if (sent === 30 && !restart) {
      restart = ingest.close().then(async () => { ingest = await central.start({ onStored: (r) => stored.push(r.clip_id) }); });
    }
  });
  await restart;
  t.true(receipt.body.includes(c.clip.clipId));
  t.true((await blobBytes(central, c.clip.clipId)).equals(c.data));
  t.is(await clipCountIn(central.db), 1);
  t.deepEqual(stored, [c.clip.clipId], 'the restarted worker stored it');
});

test('two workers behind one mosquitto with a shared subscription: all clips stored once', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  const byWorker: Record<string, number> = {};
  for (const w of ['a', 'b']) await central.start({ workerId: w, subscription: { mode: 'shared' }, onStored: (r) => { byWorker[r.worker_id] = (byWorker[r.worker_id] ?? 0) + 1; } });
  const ups = ['dock-1', 'dock-2', 'dock-3'].map((d) => new Uploader({ ...dockAuthFor(d), mqtt: b.endpoint(d), dockId: d, centralPublicKey: central.publicKey, chunkSize: 128 * 1024, statusTimeoutMs: 800, log: quiet('up') }));
  t.teardown(async () => { for (const u of ups) await u.close(); });
  const clips = await Promise.all(Array.from({ length: 6 }, (_, i) => makeClip(spool, 1 * MB + i * 1000)));
  await Promise.all(clips.map((c, i) => ups[i % 3].upload(c.clip, c.file)));
  for (const c of clips) t.true((await blobBytes(central, c.clip.clipId)).equals(c.data));
  t.is(await clipCountIn(central.db), 6);
  t.is(Object.values(byWorker).reduce((a, n) => a + n, 0), 6);
});
