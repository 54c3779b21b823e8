import test from 'ava';
import { open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { Uploader } from '../../dock-agent/uploader.js';
import { encodeChunk } from '../../shared/mqtt/codec.js';
import { topics } from '../../shared/mqtt/topics.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { blobBytes, makeCentral, makeClip, quiet, tmpDir } from './setup.js';
import { dockAuthFor } from '../helpers/pki.js';

const CS = 64 * 1024;

async function until(cond: () => Promise<boolean>, ms = 10000) {
  const end = Date.now() + ms;
  while (!(await cond())) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 20)); }
}

test('bad chunk frames are dropped, bytes damaged in the partial file are found and re-requested', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('spool-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  await central.start();
  const c = await makeClip(spool, 5 * CS + 100);
  const raw = await mqtt.connectAsync(b.url, { protocolVersion: 4, ...mqttTlsOptions(b.endpoint('dock-1').tls) });
  t.teardown(() => raw.endAsync());
  // All chunks but the last, each correct; plus a frame whose data does not match its hash (dropped).
  for (let i = 0; i < 5; i++) await raw.publishAsync(topics.chunk('dock-1', c.clip.clipId, i), encodeChunk(i, CS, c.data.subarray(i * CS, (i + 1) * CS)), { qos: 1 });
  const evil = encodeChunk(5, CS, c.data.subarray(5 * CS));
  evil[evil.length - 1] ^= 0xff;
  await raw.publishAsync(topics.chunk('dock-1', c.clip.clipId, 5), evil, { qos: 1 });
  const base = path.join(central.blobs.workDir(), `dock-1.${c.clip.clipId}.${CS}`);
  await until(async () => (await stat(base + '.chunks').then((s) => s.size, () => 0)) === 5 * 36);
  // Damage chunk 2's bytes on disk after it was recorded (e.g. a torn write).
  const fh = await open(base + '.part', 'r+');
  await fh.write(Buffer.from('garbage'), 0, 7, 2 * CS + 10);
  await fh.close();

  const sent: number[] = [];
  const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: b.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: central.publicKey, chunkSize: CS, statusTimeoutMs: 1000, log: quiet('up') });
  t.teardown(() => up.close());
  const origPublish = (up as unknown as { client: mqtt.MqttClient }).client.publishAsync.bind((up as unknown as { client: mqtt.MqttClient }).client);
  (up as unknown as { client: { publishAsync: typeof origPublish } }).client.publishAsync = ((topic: string, ...rest: unknown[]) => {
    const m = /\/chunk\/(\d+)$/.exec(topic);
    if (m) sent.push(Number(m[1]));
    return (origPublish as (...a: unknown[]) => Promise<unknown>)(topic, ...rest);
  }) as typeof origPublish;
  await up.upload(c.clip, c.file);
  t.deepEqual(sent, [5, 2], 'only the never-received last chunk, then the damaged one');
  t.true((await blobBytes(central, c.clip.clipId)).equals(c.data));
});

test('partial clips left untouched past the TTL are removed when ingest starts; fresh ones stay', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  t.teardown(async () => { await central.cleanup(); await b.stop(); });
  const { writeFile, utimes, readdir } = await import('node:fs/promises');
  const work = central.blobs.workDir();
  for (const n of ['old.65536.part', 'old.65536.chunks', 'new.65536.part']) await writeFile(path.join(work, n), 'x');
  const past = new Date(Date.now() - 3600_000);
  for (const n of ['old.65536.part', 'old.65536.chunks']) await utimes(path.join(work, n), past, past);
  await central.start({ partialTtlMs: 60_000 });
  t.deepEqual((await readdir(work)).sort(), ['new.65536.part']);
});
