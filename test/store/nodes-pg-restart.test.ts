// PostgreSQL restarted under two central nodes mid-ingest (issue 17's fault tests; docs/scale-out.md,
// "Several central nodes"): this file starts a PostgreSQL of its own (the test run's one is shared by
// other files). While a dock's 4 MiB clip is being sent, PostgreSQL is shut down fast (every session cut)
// and started again: the nodes stay up, the clip is stored once with one receipt the dock can verify,
// and the next clip goes through as before.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clipCount, getClip } from '../../central-store/index/tables/clips.js';
import { verifyReceipt } from '../../shared/receipt-check.js';
import { testS3 } from '../helpers/backends/index.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../helpers/backends/postgres.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { buildSignedClip } from '../helpers/pki.js';
import { cluster } from './nodes-harness.js';

const s3b = await testS3();
const pgMissing = postgresMissing();

if (pgMissing || !s3b.ok) test.skip(`PostgreSQL restart under two nodes skipped: ${pgMissing ?? ''} ${!s3b.ok ? s3b.reason : ''}`.trim(), () => undefined);
else {
  test('PostgreSQL restarted while a clip is sent to two nodes: both stay up, the clip is stored once with one valid receipt, the next clip goes through', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nodes-pg-restart-'));
    let server: TestPostgres | undefined;
    const killServer = () => { try { if (server) process.kill(server.pid, 'SIGKILL'); } catch { /* gone */ } };
    process.once('exit', killServer);
    t.teardown(async () => { await server?.stop(); process.off('exit', killServer); rmSync(dir, { recursive: true, force: true }); });
    server = await startPostgres(path.join(dir, 'pg'));
    const broker = await startMosquitto({ docks: ['dock-1'], centrals: ['central-1', 'central-2'] });
    t.teardown(() => broker.stop());
    const c = await cluster(t, { pgUrl: server.url, s3: s3b.value, broker });
    const nodes = await Promise.all([c.start('central-1'), c.start('central-2')]);
    const clip = (bytes: number) => {
      const x = buildSignedClip(bytes, { deviceId: 'cam-r' });
      const file = path.join(dir, `${x.clip.clipId}.bcc`);
      writeFileSync(file, x.data);
      return { clip: x.clip, file };
    };
    const x = clip(4 * 1024 * 1024);
    const seen = await c.watch('dock-1');
    const dock = c.dock('dock-1');
    let restarted: Promise<void> | undefined;
    // Event-driven: once 16 of the 64 chunks went out, PostgreSQL goes down and comes back.
    const receipt = await dock.upload(x.clip, x.file, (sent) => { if (sent === 16) restarted = server!.restart(); });
    await restarted;
    t.truthy(restarted, 'PostgreSQL was restarted mid-clip');
    t.notThrows(() => verifyReceipt(receipt, c.publicKey, { clipId: x.clip.clipId, deviceId: x.clip.deviceId, sha256: x.clip.sha256!, bytes: x.clip.bytes }));
    const ix = await c.idx();
    t.is((await ix.tx((u) => getClip(u, x.clip.clipId)))!.receipt_json, JSON.stringify(receipt));
    t.is((await c.versions(x.clip.clipId)).length, 1, 'one S3 version');
    t.deepEqual(seen(x.clip.clipId), [JSON.stringify(receipt)], 'the dock was sent one receipt');
    for (const nd of nodes) t.is(nd.proc.exitCode ?? nd.proc.signalCode, null, `${nd.name} still running`);
    const y = clip(300_000);
    const second = await dock.upload(y.clip, y.file);
    t.is((await ix.tx((u) => getClip(u, y.clip.clipId)))!.receipt_json, JSON.stringify(second), 'the next clip goes through');
    t.is(await ix.tx((u) => clipCount(u)), 2);
  });
}
