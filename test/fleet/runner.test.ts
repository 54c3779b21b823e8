// The fleet runner on real processes, ptys and a broker: a quiet shift delivers everything, a shift
// with one of each fault still loses nothing, and the checks do fail when damage is planted.
import test from 'ava';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { latestHeartbeats, type StoredHeartbeat } from '../../central-store/index/tables/dock-heartbeats.js';
import { readIndexFile } from '../helpers/index-read.js';
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import type { HeartbeatBody } from '../../shared/mqtt/codec.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';

const small = { cameras: 2, prerecordSeconds: 4, incidentsPerCamera: 1, incidentSeconds: [3, 4], gapSeconds: [0.5, 1], speed: 5, bitrate: 400_000 };

test('a quiet shift: every recorded clip delivered hash-exact, receipted and wiped; the dock\'s heartbeat reached central', async (t) => {
  let beats: StoredHeartbeat[] = [];
  const r = await runScenario(parseScenario({ ...small, name: 'quiet', seed: 11 }), {
    timeoutMs: 60_000,
    beforeChecks: async ({ centralDir }) => {
      beats = await readIndexFile(path.join(centralDir, 'central.db'), latestHeartbeats);
    },
  });
  t.true(r.ok, JSON.stringify(r.invariants.filter((i) => !i.ok)));
  t.is(r.totals.recorded, 2);
  t.is(r.totals.delivered, r.totals.recorded);
  t.is(r.totals.wiped, r.totals.recorded);
  t.is(r.totals.onCamera, 0);
  t.true(r.totals.bytes > 100_000);
  // Sent after each camera's offload by the dock process, over the broker, verified and kept by the central process.
  t.is(beats.length, 1);
  const hb = JSON.parse(beats[0]!.bodyJson) as HeartbeatBody;
  t.is(hb.dockId, beats[0]!.dockId);
  t.is(hb.cameras.length, 2, JSON.stringify(hb.cameras));
  t.true(hb.cameras.every((c) => c.clipsOnCamera === 0), 'every clip wiped after its offload');
  t.deepEqual(hb.queue, { ...hb.queue, pulling: 0, pulled: 0, uploading: 0 });
});

test('one of each fault on a noisy line: nothing lost, nothing wiped without a receipt', async (t) => {
  const kinds = ['camera-power-cut', 'dock-crash', 'broker-restart', 'central-crash', 'usb-detach'] as const;
  const sc = parseScenario({
    ...small, name: 'faults', seed: 12, incidentsPerCamera: 2, serial: { bitErrorRate: 1e-5, dropRate: 0.01 },
    faults: kinds.map((kind) => ({ kind, count: 1 })),
  });
  // The offload faults fire at seeded numbers of pulled clips: the offload is waited for until every
  // camera is empty, with a generous bound (90 s once ran out under load before the last fault fired).
  t.timeout(420_000);
  const r = await runScenario(sc, { timeoutMs: 300_000 });
  t.true(r.ok, JSON.stringify({ bad: r.invariants.filter((i) => !i.ok), events: r.events }));
  t.deepEqual(r.faults, { powerCuts: 1, dockCrashes: 1, brokerRestarts: 1, centralCrashes: 1, usbDetaches: 1, flashNearlyFull: 0, clockSkews: 0 });
  t.is(r.totals.lost, 0);
  t.is(r.totals.wipedWithoutReceipt, 0);
  t.is(r.totals.delivered + r.totals.onCamera, r.totals.recorded);
  t.is(r.totals.truncatedAtCentral >= 1, true, 'the power-cut clip arrives marked truncated');
});

test('the checks catch a missing blob and plaintext video planted on a camera', async (t) => {
  const r = await runScenario(parseScenario({ ...small, name: 'planted', seed: 13, cameras: 1 }), {
    timeoutMs: 60_000,
    beforeChecks: async ({ centralDir, cameraFlashDirs }) => {
      const blobs = path.join(centralDir, 'blobs');
      const files = readdirSync(blobs, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
      rmSync(path.join(files[0]!.parentPath, files[0]!.name));
      const ts = randomBytes(188 * 20);
      for (let i = 0; i < 20; i++) ts[i * 188] = 0x47;
      writeFileSync(path.join(cameraFlashDirs[0]!, 'leak.bin'), ts);
    },
  });
  t.false(r.ok);
  const bad = r.invariants.filter((i) => !i.ok).map((i) => i.name);
  t.true(bad.some((n) => n.startsWith('every started clip')), bad.join(' | '));
  t.true(bad.includes('no plaintext video or key bytes at rest'), bad.join(' | '));
});
