// Two writers of one clip (issue 17: several central nodes): the ingest checks the blob store, finds no
// blob, and by the time it puts one another writer has stored something under the key. The store must
// index and receipt only these very bytes: a different blob found at put time gets no row and no answer,
// and the dock's next ask (which sees the blob) replaces it and stores the real clip.
import test from 'ava';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import type { BlobPort } from '../../central-store/blob/port.js';
import { openCentralDb } from '../../central-store/db.js';
import { startIngest } from '../../central-store/ingest.js';
import { parseRetention } from '../../central-store/retention.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { openDocument, type ReceiptBody } from '../../shared/evidence.js';
import { clipCountIn, clipIn } from '../helpers/index-read.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { dockAuthFor } from '../helpers/pki.js';
import { makeClip, quiet } from '../mqtt/setup.js';

test('a blob stored by another writer between the check and the put is indexed only if it is these bytes', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'put-race-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const real = await FsBlobStore.open(path.join(dir, 'store'));
  const clip = await makeClip(dir, 3 * 1024 * 1024);
  const key = clip.clip.clipId;
  // The race, made certain: every existence check of the clip's key before the first put says
  // "absent", and the other writer's different bytes are already under the key when the put comes.
  await real.put(key, Readable.from([Buffer.from('another writer, other bytes')]));
  let puts = 0;
  const blobs: BlobPort = new Proxy(real, {
    get(target, prop, recv) {
      if (prop === 'putFile') return (...a: Parameters<BlobPort['putFile']>) => (puts++, target.putFile(...a));
      if (prop === 'exists') return async (k: string) => (k === key && puts === 0 ? false : target.exists(k));
      const v = Reflect.get(target, prop, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const db = openCentralDb(path.join(dir, 'central.db'));
  t.teardown(() => db.close());
  const receiptKey = generateKeyPairSync('ed25519');
  const ingest = await startIngest({ mqtt: broker.endpoint('central-1', 'central'), db, blobs, receiptKey: receiptKey.privateKey, storeId: 'store-race', workerId: 'w0',
    retention: parseRetention({}), log: quiet('ingest') });
  t.teardown(() => ingest.close());
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: receiptKey.publicKey, chunkSize: 256 * 1024, statusTimeoutMs: 1000, log: quiet('dock') });
  t.teardown(() => up.close());

  const receipt = await up.upload(clip.clip, clip.file);
  t.is(puts, 2, 'the first put found the other blob; after the dock asked again, the clip was put once more');
  t.like(openDocument<ReceiptBody>(receipt, receiptKey.publicKey, 'clip-receipt'), { clipId: key, sha256: clip.clip.sha256 });
  t.is(await clipCountIn(db), 1);
  t.is((await clipIn(db, key))!.receipt_json, JSON.stringify(receipt));
  const h = createHash('sha256');
  for await (const b of real.read(key)) h.update(b as Buffer);
  t.is(h.digest('hex'), clip.clip.sha256 ?? '', 'the stored blob is the clip, not the other writer\'s bytes');
});
