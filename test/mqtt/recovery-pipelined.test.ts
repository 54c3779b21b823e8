// Pipelined offload (dock-agent/growing-spool.ts): the uploader sends chunks of a spool file the pull is
// still writing. Broker and central restarts mid-way, and a pull cut short, against real mosquitto.
import test from 'ava';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { GrowingSpool, PullAborted } from '../../dock-agent/growing-spool.js';
import { Uploader } from '../../dock-agent/uploader.js';
import type { Ingest } from '../../central-store/ingest.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { blobBytes, makeCentral, makeClip, quiet, tmpDir } from './setup.js';
import { dockAuthFor } from '../helpers/pki.js';
import { clipCountIn } from '../helpers/index-read.js';

const MB = 1024 * 1024;
const PIECE = 64 * 1024;

/** Write `data[from, to)` into `file` in 64 KiB pieces, as the serial pull does, reporting each to `growing`. */
async function pullInto(file: string, data: Buffer, growing: GrowingSpool, from: number, to: number, each?: (written: number) => Promise<void> | void): Promise<void> {
  const fh = await open(file, from ? 'r+' : 'w');
  try {
    growing.advance(from);
    for (let off = from; off < to; off += PIECE) {
      const end = Math.min(to, off + PIECE);
      await fh.write(data, off, end - off, off);
      growing.advance(end);
      await each?.(end);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally { await fh.close(); }
}

async function setup(t: import('ava').ExecutionContext) {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: 128 * 1024, statusTimeoutMs: 800, log: quiet('up') });
  t.teardown(() => up.close());
  return { b, central, spool, up };
}

test('uploading while pulling, broker and central restarted mid-pull: receipt only after the pull verified, hash-exact, one row', async (t) => {
  const { b, central, spool, up } = await setup(t);
  let ingest: Ingest = await central.start();
  const c = await makeClip(spool, 8 * MB + 77);
  const file = path.join(spool, 'pipelined.clip');
  const growing = new GrowingSpool();
  let chunksBeforeVerified = 0;
  let verifiedAt = 0;
  const upload = up.upload(c.clip, file, () => { if (!growing.isVerified) chunksBeforeVerified++; }, growing).then((r) => ({ r, at: performance.now() }));
  await pullInto(file, c.data, growing, 0, c.data.length, async (n) => {
    if (n === 20 * PIECE) await b.restart();
    if (n === 60 * PIECE) { await ingest.close(); ingest = await central.start(); }
  });
  // The pull runs until it verifies: the uploader must have sent chunks of the growing file by then.
  // Waited for (bounded), not assumed from the pull's pace: under load the uploader, reconnecting after
  // the restarts, once had sent nothing when the last piece was written. Without pipelining it never does.
  const until = Date.now() + 60_000;
  while (chunksBeforeVerified === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  verifiedAt = performance.now();
  growing.verify();
  const { r, at } = await upload;
  t.true(chunksBeforeVerified > 0, `chunks sent while the pull ran: ${chunksBeforeVerified}`);
  t.true(at >= verifiedAt, 'the receipt came after the pull verified');
  t.true(r.body.includes(c.clip.sha256!));
  t.true((await blobBytes(central, c.clip.clipId)).equals(c.data));
  t.is(await clipCountIn(central.db), 1);
});

test('a pull cut short ends the upload (PullAborted); the resumed pull and a new upload send only what central lacks', async (t) => {
  const { central, spool, up } = await setup(t);
  await central.start();
  const c = await makeClip(spool, 4 * MB);
  const chunkCount = Math.ceil(c.data.length / (128 * 1024));
  const file = path.join(spool, 'cut.clip');
  const first = new GrowingSpool();
  let sentFirst = 0;
  const u1 = up.upload(c.clip, file, () => void sentFirst++, first);
  const half = 32 * PIECE;
  await pullInto(file, c.data, first, 0, half);
  // Let the chunks of the written half reach central before the line is cut.
  const end = Date.now() + 10_000;
  while (sentFirst < half / (128 * 1024) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  first.fail(new Error('camera undocked'));
  await t.throwsAsync(u1, { instanceOf: PullAborted });
  t.is(sentFirst, half / (128 * 1024), 'every chunk of the written half was sent, none beyond');
  t.false(await central.blobs.exists(c.clip.clipId), 'nothing stored from a pull that did not finish');

  const second = new GrowingSpool();
  let sentSecond = 0;
  const u2 = up.upload(c.clip, file, () => void sentSecond++, second);
  await pullInto(file, c.data, second, half, c.data.length);
  second.verify();
  const receipt = await u2;
  t.true(receipt.body.includes(c.clip.clipId));
  t.is(sentSecond, chunkCount - half / (128 * 1024), 'the second upload sent only the chunks central lacked');
  t.true((await readFile(file)).equals(c.data));
  t.true((await blobBytes(central, c.clip.clipId)).equals(c.data));
});
