// Fault test (issue 17): the RADOS Gateway killed (-9) in the middle of a clip's upload to S3 and
// started again. This file starts its own short-lived Ceph (the test run's shared one is never
// restarted). The store reaches the gateway through a byte-counting TCP relay, so the kill lands after
// the first 4 MiB of the clip's PUT reached the gateway, not before it began or after it ended. What
// must hold: the failed put indexes and receipts nothing; the dock asks again; once the gateway is back
// the clip is stored once (one S3 version, the exact bytes, one index row) and the dock gets one valid
// receipt.
import test from 'ava';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, GetObjectRetentionCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import type { BlobPort } from '../../central-store/blob/port.js';
import { S3BlobStore } from '../../central-store/blob/s3.js';
import { openCentralDb } from '../../central-store/db.js';
import { startIngest } from '../../central-store/ingest.js';
import { clipDeadlineMs, parseRetention } from '../../central-store/retention.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { openDocument, type ReceiptBody } from '../../shared/evidence.js';
import { cephMissing, startCeph, type TestCeph } from '../helpers/backends/ceph.js';
import { clipCountIn, clipIn } from '../helpers/index-read.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { dockAuthFor } from '../helpers/pki.js';
import { makeClip, quiet } from '../mqtt/setup.js';

const KILL_AFTER = 4 * 1024 * 1024;

/** A TCP relay to `target` that calls `onBytes` with the bytes each client connection has sent so far. */
async function relay(target: URL, onBytes: (sent: number) => void): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(Number(target.port), target.hostname);
    sockets.add(client); sockets.add(up);
    let sent = 0;
    client.on('data', (d: Buffer) => { sent += d.length; onBytes(sent); });
    client.pipe(up); up.pipe(client);
    const end = () => { client.destroy(); up.destroy(); sockets.delete(client); sockets.delete(up); };
    client.on('error', end); up.on('error', end); client.on('close', end); up.on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); },
  };
}

const missing = cephMissing();
if (missing) test.skip(`RGW restart mid-upload skipped: ${missing}`, () => undefined);
else {
  test('RGW killed mid-upload and restarted: no index row or receipt for the failed put; the retried clip is stored once and receipted once', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rgw-restart-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    let ceph: TestCeph | undefined;
    t.teardown(() => ceph?.stop());
    const broker = await startMosquitto();
    t.teardown(() => broker.stop());
    ceph = await startCeph(path.join(dir, 'ceph'), { memstoreBytes: 512 * 1024 * 1024 });
    const c = ceph;
    // A test that times out skips its teardowns: its Ceph must not outlive the worker.
    process.once('exit', () => { for (const pid of c.pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });

    let killed: Promise<void> | undefined;
    const proxy = await relay(new URL(c.endpoint), (sent) => {
      // One kill, once a PUT has carried KILL_AFTER bytes; the gateway comes back a moment later.
      if (sent > KILL_AFTER && !killed && armed) killed = c.killGateway().then(() => new Promise((r) => setTimeout(r, 500))).then(() => c.startGateway());
    });
    t.teardown(() => proxy.close());
    let armed = false;
    const bucket = `restart-${process.pid}`;
    await mkdir(path.join(dir, 'work'), { recursive: true });
    const real = await S3BlobStore.open({ endpoint: proxy.endpoint, region: c.region, bucket, credentials: c.service, workDir: path.join(dir, 'work'), defaultRetainDays: 14 });
    t.teardown(() => real.close());
    const puts: ('ok' | string)[] = [];
    const blobs: BlobPort = new Proxy(real, {
      get(target, prop, recv) {
        if (prop === 'putFile') {
          return async (...a: Parameters<BlobPort['putFile']>) => {
            try { const r = await target.putFile(...a); puts.push('ok'); return r; } catch (err) { puts.push(String((err as Error).message ?? err)); throw err; }
          };
        }
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });

    const db = openCentralDb(path.join(dir, 'central.db'));
    t.teardown(() => db.close());
    const key = generateKeyPairSync('ed25519');
    const ingest = await startIngest({ mqtt: broker.endpoint('central-1', 'central'), db, blobs, receiptKey: key.privateKey, storeId: 'store-rgw', workerId: 'w0',
      retention: parseRetention({}), log: quiet('ingest') });
    t.teardown(() => ingest.close());
    const up = new Uploader({ ...dockAuthFor('dock-1'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: key.publicKey, chunkSize: 256 * 1024, statusTimeoutMs: 2000, log: quiet('dock') });
    t.teardown(() => up.close());

    const clip = await makeClip(dir, 24 * 1024 * 1024);
    armed = true;
    const receipt = await up.upload(clip.clip, clip.file);
    await killed;

    t.true(killed !== undefined, 'the gateway was killed mid-upload');
    t.true(puts.length >= 2 && puts[0] !== 'ok' && puts.at(-1) === 'ok', `the put failed, then a retry stored it: ${JSON.stringify(puts)}`);
    const body = openDocument<ReceiptBody>(receipt, key.publicKey, 'clip-receipt');
    t.like(body, { clipId: clip.clip.clipId, sha256: clip.clip.sha256, bytes: clip.data.length, storeId: 'store-rgw' });
    t.is(await clipCountIn(db), 1, 'one index row');
    t.is((await clipIn(db, clip.clip.clipId))!.receipt_json, JSON.stringify(receipt), 'the receipt the dock holds is the one indexed');

    const svc = S3BlobStore.client({ endpoint: c.endpoint, region: c.region, credentials: c.service });
    t.teardown(() => svc.destroy());
    const v = await svc.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: clip.clip.clipId }));
    t.is(v.Versions?.length, 1, 'one S3 version');
    t.is(v.DeleteMarkers?.length ?? 0, 0);
    const got = await svc.send(new GetObjectCommand({ Bucket: bucket, Key: clip.clip.clipId }));
    t.is(createHash('sha256').update(Buffer.from(await got.Body!.transformToByteArray())).digest('hex'), clip.clip.sha256 ?? '', 'the exact bytes');
    const lock = (await svc.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: clip.clip.clipId }))).Retention!;
    t.is(lock.Mode, 'GOVERNANCE');
    const row = (await clipIn(db, clip.clip.clipId))!;
    const deadline = clipDeadlineMs(parseRetention({}), { purpose: row.purpose, startedMs: Date.parse(row.started_at), receivedMs: Date.parse(row.received_at), clockNote: row.clock_note });
    t.true(Math.abs(lock.RetainUntilDate!.getTime() - deadline) < 1000, `retain-until ${lock.RetainUntilDate!.toISOString()} is the clip's deadline ${new Date(deadline).toISOString()}`);
  });
}
