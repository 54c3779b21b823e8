// One put per clip across central nodes (issue 17; docs/scale-out.md, "Several central nodes"): two
// ingests on one index and one blob store both assemble the same clip (a dock lease changing hands while
// the old holder is still putting) and reach the put together. The clip put claim lets one put; the other
// gives no answer and the dock gets one receipt. The first put is held open until the other ingest has
// either been refused by the claim or reached the put itself, so without the claim this test sees two
// puts. A claim left by a node that died mid-put runs out and the clip is then stored by a live one.
// Real mosquitto, the real ingest and uploader, camera-signed clips.
import test, { type ExecutionContext } from 'ava';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import type { BlobPort } from '../../central-store/blob/port.js';
import { openCentralDb } from '../../central-store/db.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { clipPutClaimHolder, takeClipPutClaim } from '../../central-store/index/tables/clip-put-claims.js';
import { startIngest } from '../../central-store/ingest.js';
import { parseRetention } from '../../central-store/retention.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { openDocument, type ReceiptBody } from '../../shared/evidence.js';
import { clipCountIn, clipIn } from '../helpers/index-read.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { dockAuthFor } from '../helpers/pki.js';
import { makeClip, quiet } from '../mqtt/setup.js';

/** Two ingest workers (w0, w1) on one broker, one sqlite index, one blob directory; each its own assembly dir. */
async function twoIngests(t: ExecutionContext, blobsOf: (real: FsBlobStore) => BlobPort, onWarn: (line: { msg?: string; err?: string }) => void = () => undefined) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'put-claim-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const real = await FsBlobStore.open(path.join(dir, 'store'));
  const blobs = blobsOf(real);
  const db = openCentralDb(path.join(dir, 'central.db'));
  t.teardown(() => db.close());
  const index = SqliteIndex.for(db);
  const receiptKey = generateKeyPairSync('ed25519');
  const sink = new Writable({ write(chunk, _e, cb) { for (const l of String(chunk).split('\n').filter(Boolean)) { if (process.env.CLAIM_DEBUG) console.error(l.slice(0, 300)); onWarn(JSON.parse(l)); } cb(); } });
  for (const w of ['w0', 'w1']) {
    await mkdir(path.join(dir, `work-${w}`), { mode: 0o700 });
    const ingest = await startIngest({ mqtt: broker.endpoint('central-1', 'central'), index, blobs, receiptKey: receiptKey.privateKey, storeId: 'store-claim', workerId: w,
      workDir: path.join(dir, `work-${w}`), retention: parseRetention({}), log: pino({ level: process.env.CLAIM_DEBUG ? "debug" : "warn" }, sink) });
    t.teardown(() => ingest.close());
  }
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: receiptKey.publicKey, chunkSize: 256 * 1024,
    statusTimeoutMs: 500, maxBackoffMs: 1000, log: quiet('dock') });
  t.teardown(() => up.close());
  return { dir, db, index, real, up, receiptKey };
}

const shaOf = async (blobs: BlobPort, key: string) => {
  const h = createHash('sha256');
  for await (const b of blobs.read(key)) h.update(b as Buffer);
  return h.digest('hex');
};

test('two ingests of one clip at once on a shared index and blob store: one put, one row, one receipt; the claim is released', async (t) => {
  let puts = 0;
  let otherDone!: () => void;
  const other = new Promise<void>((r) => { otherDone = r; });
  let refused = 0;
  const c = await twoIngests(t, (real) => new Proxy(real, {
    get(target, prop, recv) {
      if (prop === 'putFile') return async (...a: Parameters<BlobPort['putFile']>) => {
        // The first put waits until the other ingest was refused or came to put as well (bounded).
        if (++puts === 1) await Promise.race([other, new Promise((r) => setTimeout(r, 20_000).unref())]);
        else otherDone();
        return target.putFile(...a);
      };
      const v = Reflect.get(target, prop, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }), (l) => { if (/is being stored by/.test(String(l.err))) { refused++; otherDone(); } });
  const clip = await makeClip(c.dir, 2 * 1024 * 1024);
  const key = clip.clip.clipId;
  const receipt = await c.up.upload(clip.clip, clip.file);
  t.is(puts, 1, 'one ingest put the clip; the other found the claim and did not put');
  t.true(refused >= 1, 'the other ingest was refused by the claim');
  t.like(openDocument<ReceiptBody>(receipt, c.receiptKey.publicKey, 'clip-receipt'), { clipId: key, sha256: clip.clip.sha256 });
  t.is(await clipCountIn(c.db), 1);
  t.is((await clipIn(c.db, key))!.receipt_json, JSON.stringify(receipt));
  t.is(await shaOf(c.real, key), clip.clip.sha256 ?? '');
  t.is(await c.index.tx((u) => clipPutClaimHolder(u, key)), undefined, 'the claim was released once the row was indexed');
});

test('a claim left by a node that died mid-put runs out; a live ingest then takes it and stores the clip once', async (t) => {
  let puts = 0;
  const c = await twoIngests(t, (real) => new Proxy(real, {
    get(target, prop, recv) {
      if (prop === 'putFile') return (...a: Parameters<BlobPort['putFile']>) => (puts++, target.putFile(...a));
      const v = Reflect.get(target, prop, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }));
  const clip = await makeClip(c.dir, 300_000);
  const key = clip.clip.clipId;
  const now = Date.now();
  t.true(await c.index.tx((u) => takeClipPutClaim(u, key, 'dead-node/w9', now, now + 2_000)));
  const receipt = await c.up.upload(clip.clip, clip.file);
  t.true(Date.now() >= now + 2_000, 'no clip was put while the dead node\'s claim was live');
  t.is(puts, 1);
  t.is((await clipIn(c.db, key))!.receipt_json, JSON.stringify(receipt));
  t.is(await shaOf(c.real, key), clip.clip.sha256 ?? '');
  t.is(await c.index.tx((u) => clipPutClaimHolder(u, key)), undefined);
});
