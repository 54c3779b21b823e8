import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Uploader } from '../../dock-agent/uploader.js';
import { openDocument, type ReceiptBody } from '../../shared/evidence.js';
import { startAedes } from '../helpers/aedes.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { blobBytes, makeCentral, makeClip, quiet, tmpDir } from './setup.js';
import { dockAuthFor } from '../helpers/pki.js';
import { clipCountIn, clipIn } from '../helpers/index-read.js';

for (const broker of ['mosquitto', 'aedes'] as const) {
  test(`${broker}: clips arrive hash-exact, indexed once, receipted by the central key`, async (t) => {
    const b = broker === 'mosquitto' ? await startMosquitto() : await startAedes();
    const central = await makeCentral(b);
    const spool = await tmpDir('spool-');
    t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
    await central.start();
    const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 128 * 1024, statusTimeoutMs: 1000, log: quiet('up') });
    t.teardown(() => up.close());
    const clips = await Promise.all([3 * 1024 * 1024 + 17, 128 * 1024, 1, 0].map((n) => makeClip(spool, n)));
    const receipts = await Promise.all(clips.map((c) => up.upload(c.clip, c.file)));
    for (const [i, c] of clips.entries()) {
      const body = openDocument<ReceiptBody>(receipts[i], central.publicKey, 'clip-receipt');
      t.is(body.clipId, c.clip.clipId);
      t.is(body.sha256, c.clip.sha256!);
      t.true((await blobBytes(central, c.clip.clipId)).equals(c.data));
    }
    // The same clip again: same receipt, still one row and one blob.
    const again = await up.upload(clips[0].clip, clips[0].file);
    t.is(again.body, receipts[0].body);
    t.truthy(await clipIn(central.db, clips[0].clip.clipId));
    t.is(await clipCountIn(central.db), 4, 'one row per clip id');
  });
}

test('mosquitto: a receipt signed by another key is refused by the dock', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  const rogue = generateKeyPairSync('ed25519');
  await central.start({ receiptKey: rogue.privateKey });
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, statusTimeoutMs: 1000, log: quiet('up') });
  t.teardown(() => up.close());
  const c = await makeClip(spool, 300 * 1024);
  await t.throwsAsync(up.upload(c.clip, c.file), { message: /signature does not verify/ });
});

test('aedes: workers partitioned by dock id each store their own docks\' clips', async (t) => {
  const b = await startAedes();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  const byWorker: Record<string, string[]> = { a: [], b: [] };
  await central.start({ workerId: 'a', subscription: { mode: 'docks', dockIds: ['dock-1'] }, onStored: (r) => byWorker.a.push(r.dock_id) });
  await central.start({ workerId: 'b', subscription: { mode: 'docks', dockIds: ['dock-2'] }, onStored: (r) => byWorker.b.push(r.dock_id) });
  const ups = ['dock-1', 'dock-2'].map((d) => new Uploader({ ...dockAuthFor(d), mqtt: b.endpoint(d), dockId: d, centralPublicKey: central.publicKey, statusTimeoutMs: 1000, log: quiet('up') }));
  t.teardown(async () => { for (const u of ups) await u.close(); });
  const clips = await Promise.all([0, 1, 2, 3].map(() => makeClip(spool, 400_000)));
  await Promise.all(clips.map((c, i) => ups[i % 2].upload(c.clip, c.file)));
  t.deepEqual(byWorker, { a: ['dock-1', 'dock-1'], b: ['dock-2', 'dock-2'] });
});
