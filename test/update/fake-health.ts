// Loaded by the fake firmware in launcher tests: the real trial hook and health checks on sim
// hardware. `healthy` false gives a camera that never produces a keyframe segment.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DirFlash } from '../../firmware/drivers/flash.js';
import { trialBoot, runHealthChecks } from '../../firmware/update/health.js';
import { SimButton, SimOutput, SyntheticSource } from '../../hardware-sim/index.js';
import type { VideoSource } from '../../shared/hal.js';
import { appendFileSync } from 'node:fs';

const deadCamera: VideoSource = { start: async () => {}, stop: async () => {}, onSegment: () => () => {}, onError: () => () => {} };

export async function trialHook(healthy: boolean): Promise<number> {
  const flashDir = path.join(process.env.BODYCAM_SLOTS_DIR!, '..', 'flash');
  mkdirSync(flashDir, { recursive: true });
  const camera = healthy ? new SyntheticSource({ bitrateKbps: 200, gopMs: 200 }) : deadCamera;
  await camera.start();
  const log = (type: string, data: Record<string, unknown>) => appendFileSync(process.env.EVENTS!, JSON.stringify({ type, data }) + '\n');
  const r = await trialBoot(process.env.BODYCAM_SLOTS_DIR!, process.env.BODYCAM_SLOT, () =>
    runHealthChecks({ button: new SimButton(), led: new SimOutput('led'), camera, flash: new DirFlash(flashDir), deviceId: 'cam-t' }, { keyframeTimeoutMs: 1500, minFreeBytes: 1024 }), log);
  await camera.stop();
  return r === 'failed' ? 70 : 0;
}
