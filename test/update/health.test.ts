// Health checks on sim hardware: all pass on working parts, and each broken part fails its own check.
import test from 'ava';
import { readdirSync, writeFileSync } from 'node:fs';
import { DirFlash } from '../../firmware/drivers/flash.js';
import { runHealthChecks, type HealthTargets } from '../../firmware/update/health.js';
import { SimButton, SimOutput, SyntheticSource } from '../../hardware-sim/index.js';
import type { DigitalOutput, VideoSource } from '../../shared/hal.js';
import { tmpDir } from './fixtures.js';

async function targets(t: import('ava').ExecutionContext, over: Partial<HealthTargets> = {}): Promise<HealthTargets> {
  const camera = new SyntheticSource({ bitrateKbps: 200, gopMs: 100 });
  await camera.start();
  t.teardown(() => camera.stop());
  return { button: new SimButton(), led: new SimOutput('led'), camera, flash: new DirFlash(tmpDir(t, 'fwhealth-')), deviceId: 'cam-h', ...over };
}
const failed = (r: Awaited<ReturnType<typeof runHealthChecks>>) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const opts = { keyframeTimeoutMs: 400, minFreeBytes: 1024 };

test('working hardware passes all five checks and leaves nothing on flash', async (t) => {
  const h = await targets(t);
  writeFileSync(`${h.flash.dir}/.fw-health-stale.bcc`, 'left by a power cut');
  const r = await runHealthChecks(h, opts);
  t.true(r.ok, JSON.stringify(r.checks));
  t.deepEqual(r.checks.map((c) => c.name), ['button', 'led', 'camera', 'flash', 'clip-crypto']);
  t.regex(r.checks[4]!.detail, /encrypted, verified and decrypted/);
  t.deepEqual(readdirSync(h.flash.dir), [], 'probe files and the self-test clip are gone (stale ones swept)');
  t.false((h.led as SimOutput).get(), 'LED restored');
});

test('each broken part fails its own check', async (t) => {
  const stuckLed: DigitalOutput = { set: async () => {}, get: () => false, close: async () => {} };
  t.deepEqual(failed(await runHealthChecks(await targets(t, { led: stuckLed }), opts)), ['led']);

  const dead: VideoSource = { start: async () => {}, stop: async () => {}, onSegment: () => () => {}, onError: () => () => {} };
  t.deepEqual(failed(await runHealthChecks(await targets(t, { camera: dead }), opts)), ['camera']);

  // Segments arrive, but none is a usable keyframe segment.
  const noKey: VideoSource = {
    start: async () => {}, stop: async () => {}, onError: () => () => {},
    onSegment: (l) => {
      const timer = setInterval(() => l({ seq: 1, startMs: 0, durationMs: 100, keyframe: false, data: Buffer.alloc(188, 0x47), audioPids: [] }), 20);
      return () => clearInterval(timer);
    },
  };
  t.deepEqual(failed(await runHealthChecks(await targets(t, { camera: noKey }), opts)), ['camera']);

  const brokenButton = { onEdge: () => () => {}, isDown: () => { throw new Error('EIO reading gpio'); }, close: async () => {} };
  t.deepEqual(failed(await runHealthChecks(await targets(t, { button: brokenButton }), opts)), ['button']);

  const r = await runHealthChecks(await targets(t), { ...opts, minFreeBytes: Number.MAX_SAFE_INTEGER });
  t.deepEqual(failed(r), ['flash']);
  t.regex(r.checks[3]!.detail, /bytes free, need/);

  const h = await targets(t);
  const missing = new DirFlash(`${h.flash.dir}/no-such-dir`);
  t.deepEqual(failed(await runHealthChecks({ ...h, flash: missing }, opts)), ['flash', 'clip-crypto'], 'an absent flash fails, it does not throw');
});
