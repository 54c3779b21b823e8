// Health checks a trial firmware must pass before it marks itself good (which raises the
// anti-rollback floor): button readable, LED drives, the camera produces a keyframe segment, flash
// writable with free space, and a clip encryption round trip with a throwaway key.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ButtonInput, DigitalOutput, FlashStorage, VideoSource } from '../../shared/hal.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { decryptBuffer } from '../../shared/clip/reader.js';
import { fsyncDir, overwriteFile } from '../../shared/durable-file.js';
import type { Logger } from 'pino';
import type { Camera } from '../boot.js';
import { readBootState, withGood, writeBootState, type Slot } from './boot-state.js';

export interface HealthTargets {
  button: ButtonInput;
  led: DigitalOutput;
  camera: VideoSource;
  flash: FlashStorage;
  deviceId: string;
}
export interface HealthOptions {
  keyframeTimeoutMs?: number;
  minFreeBytes?: number;
}
export interface CheckResult {
  name: 'button' | 'led' | 'camera' | 'flash' | 'clip-crypto';
  ok: boolean;
  detail: string;
}
export interface HealthReport {
  ok: boolean;
  checks: CheckResult[];
}

const PROBE_PREFIX = '.fw-health-';

async function check(name: CheckResult['name'], fn: () => Promise<string>): Promise<CheckResult> {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  }
}

function firstKeyframe(camera: VideoSource, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no keyframe segment within ${timeoutMs} ms`)); }, timeoutMs);
    const off = camera.onSegment((s) => {
      // A usable segment: starts on a keyframe, whole 188-byte MPEG-TS packets, sync byte 0x47.
      if (!s.keyframe || s.data.length === 0 || s.data.length % 188 !== 0 || s.data[0] !== 0x47) return;
      clearTimeout(timer);
      off();
      resolve(`keyframe segment ${s.seq} (${s.data.length} bytes)`);
    });
  });
}

async function flashCheck(flash: FlashStorage, minFree: number): Promise<string> {
  const free = await flash.freeBytes();
  if (free < minFree) throw new Error(`${free} bytes free, need ${minFree}`);
  const path = join(flash.dir, `${PROBE_PREFIX}${randomUUID()}.probe`);
  const data = randomBytes(4096);
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.write(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const back = readFileSync(path);
  unlinkSync(path);
  if (!back.equals(data)) throw new Error('read back differs from what was written');
  return `${free} bytes free; 4 KiB written, synced and read back`;
}

/** Encrypt a random "segment" into a clip on flash, check no plaintext landed, decrypt it, wipe it. */
async function clipCheck(flashDir: string, deviceId: string): Promise<string> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const plain = randomBytes(188 * 16);
  plain[0] = 0x47;
  const path = join(flashDir, `${PROBE_PREFIX}${randomUUID()}.bcc`);
  try {
    const w = await ClipWriter.create(path, { meta: { clipId: randomUUID(), deviceId, startedAt: new Date().toISOString(), selfTest: true }, epochId: 'self-test', publicKey });
    await w.appendSegment({ startMs: 0, durationMs: 1000, keyframe: true, data: plain });
    await w.finish({ stopReason: 'self-test' });
    const onFlash = readFileSync(path);
    if (onFlash.includes(plain.subarray(0, 64)) || onFlash.includes(plain.subarray(plain.length - 64))) throw new Error('plaintext found in the clip on flash');
    const { plaintext } = decryptBuffer(onFlash, privateKey);
    if (!plaintext.equals(plain)) throw new Error('decrypted clip differs from what was recorded');
    return `${onFlash.length}-byte clip encrypted, verified and decrypted`;
  } finally {
    await overwriteFile(path).catch(() => undefined);
    try { unlinkSync(path); } catch { /* never created */ }
    await fsyncDir(flashDir).catch(() => undefined);
  }
}

/** Remove probes a power cut left behind (random data or test clips to a key nobody kept). */
function sweepProbes(dir: string): void {
  try {
    for (const f of readdirSync(dir)) if (f.startsWith(PROBE_PREFIX)) unlinkSync(join(dir, f));
  } catch {
    // an unreadable flash fails the flash check below
  }
}

export async function runHealthChecks(t: HealthTargets, o: HealthOptions = {}): Promise<HealthReport> {
  sweepProbes(t.flash.dir);
  const checks = [
    await check('button', async () => `readable (${t.button.isDown() ? 'down' : 'up'})`),
    await check('led', async () => {
      const was = t.led.get();
      await t.led.set(!was);
      const flipped = t.led.get();
      await t.led.set(was);
      if (flipped === was || t.led.get() !== was) throw new Error('LED output does not follow set()');
      return 'toggles';
    }),
    await check('camera', () => firstKeyframe(t.camera, o.keyframeTimeoutMs ?? 15_000)),
    await check('flash', () => flashCheck(t.flash, o.minFreeBytes ?? 16 * 1024 * 1024)),
    await check('clip-crypto', () => clipCheck(t.flash.dir, t.deviceId)),
  ];
  return { ok: checks.every((c) => c.ok), checks };
}

type Log = (type: string, data: Record<string, unknown>) => void;

/** Report a rollback the launcher did since the last boot (once), in the device log. */
export async function reportRollback(slotsDir: string, log: Log): Promise<void> {
  const s = readBootState(slotsDir);
  if (!s.lastRollback || s.lastRollback.reported) return;
  log('fw-rollback', { ...s.lastRollback, reported: undefined });
  await writeBootState(slotsDir, { ...s, lastRollback: { ...s.lastRollback, reported: true } });
}

/**
 * After boot: when this process runs the slot on trial, run the checks and mark it good, or report
 * failure (the caller exits non-zero; the launcher has counted the boot). 'not-on-trial' otherwise.
 */
export async function trialBoot(slotsDir: string, slot: string | undefined, checks: () => Promise<HealthReport>, log: Log): Promise<'not-on-trial' | 'good' | 'failed'> {
  await reportRollback(slotsDir, log);
  const s = readBootState(slotsDir);
  if (!s.trial || s.trial.slot !== slot) return 'not-on-trial';
  const report = await checks();
  log('fw-health', { slot, version: s.slots[slot as Slot].version, bootCount: s.trial.bootCount, ...report });
  if (!report.ok) return 'failed';
  const next = await writeBootState(slotsDir, withGood(readBootState(slotsDir), slot as Slot));
  log('fw-good', { slot, version: next.slots[slot as Slot].version, floor: next.floor });
  return 'good';
}

/** The firmware's boot hook: false when this trial boot failed its checks (exit non-zero then). */
export async function afterBoot(camera: Camera, logger: Logger): Promise<boolean> {
  const slotsDir = camera.config.paths.slotsDir;
  if (!slotsDir) return true;
  const r = await trialBoot(slotsDir, process.env.BODYCAM_SLOT, () => runHealthChecks({ ...camera.hw, deviceId: camera.config.deviceId }), (t, d) => camera.deviceLog.append(t, d));
  if (r === 'failed') logger.error({ slot: process.env.BODYCAM_SLOT }, 'trial firmware failed its health checks');
  if (r === 'good') logger.info({ slot: process.env.BODYCAM_SLOT }, 'trial firmware marked good');
  return r !== 'failed';
}
