// Button edge → the whole pre-record buffer durable on flash (encrypted, written, fsync'd), through the
// real recorder and vault, with 60 s of 8 Mbit/s video (1 s GOPs) buffered before each press.
// Target p99 ≤ 1 s. Baseline in the same run: AES-256-GCM + write + fsync of the same segments, one
// file per press, no recorder or clip format. Flags: --presses N (default 10).
import { createCipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../firmware/config.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { Recorder } from '../../firmware/recorder.js';
import { Vault } from '../../firmware/vault/vault.js';
import { SimButton } from '../../hardware-sim/button.js';
import { SimOutput } from '../../hardware-sim/output.js';
import type { VideoSegment, VideoSource } from '../../shared/hal.js';
import { systemClock } from '../../shared/clock.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const PRESSES = arg('presses', 10);
const SECONDS = 60;
const SEG_BYTES = Math.floor(1_000_000 / 188) * 188; // 8 Mbit/s, one 1 s GOP per segment
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length * p) / 100))]!;
const r1 = (n: number) => Math.round(n * 10) / 10;

/** A camera source the bench feeds by hand (no timers: the buffer fills at once). */
class ManualSource implements VideoSource {
  private l = new Set<(s: VideoSegment) => void>();
  async start() {}
  async stop() {}
  onSegment(f: (s: VideoSegment) => void) { this.l.add(f); return () => this.l.delete(f); }
  onError() { return () => {}; }
  emit(s: VideoSegment) { for (const f of this.l) f(s); }
}

const dir = mkdtempSync(join(tmpdir(), 'prebuffer-bench-'));
const payload = randomBytes(SEG_BYTES);
try {
  const evidence = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const receipt = generateKeyPairSync('ed25519');
  const log = new DeviceLog({ path: join(dir, 'device-log.db'), clock: systemClock });
  const vault = new Vault({
    dir, deviceId: 'bench', clock: systemClock, evidenceKey: { epochId: 'bench', publicKey: evidence.publicKey },
    receiptPublicKey: receipt.publicKey, log, discard: async () => 'discard-unsupported',
  });
  const config = parseConfig({ deviceId: 'bench', purpose: 'bench', prerecordSeconds: SECONDS, reminderIntervalS: 3600, paths: { flashDir: dir, trustDir: dir } });
  const button = new SimButton();
  const source = new ManualSource();
  const rec = new Recorder({ config, clock: systemClock, button, led: new SimOutput('led'), haptic: new SimOutput('haptic'), source, vault, deviceLog: log, logger: pino({ level: 'silent' }) });
  rec.start();

  let t = 0;
  const measured: number[] = [];
  for (let p = 0; p < PRESSES; p++) {
    for (let i = 0; i < SECONDS; i++, t += 1000) source.emit({ seq: t / 1000, startMs: t, durationMs: 1000, keyframe: true, data: payload, audioPids: [] });
    const t0 = performance.now();
    button.setDown(true);
    await rec.idle();
    measured.push(performance.now() - t0);
    button.setDown(false);
    await rec.stopRecording(t, 'bench');
  }

  const baseline: number[] = [];
  for (let p = 0; p < PRESSES; p++) {
    const t0 = performance.now();
    const fh = await open(join(dir, `raw-${p}`), 'w');
    const key = randomBytes(32);
    for (let i = 0; i < SECONDS; i++) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      await fh.write(Buffer.concat([c.update(payload), c.final(), c.getAuthTag()]));
      await fh.sync();
    }
    await fh.close();
    baseline.push(performance.now() - t0);
  }
  console.log(JSON.stringify({
    presses: PRESSES, bufferedSeconds: SECONDS, bitrateMbps: 8, bufferedMB: r1((SECONDS * SEG_BYTES) / 1e6),
    pressToDurableMs: { p50: r1(pct(measured, 50)), p99: r1(pct(measured, 99)), max: r1(Math.max(...measured)) },
    baselineMs: { p50: r1(pct(baseline, 50)), p99: r1(pct(baseline, 99)) },
    ratioP50ToBaseline: Math.round((pct(measured, 50) / pct(baseline, 50)) * 100) / 100,
    targetP99Ms: 1000, meetsTarget: pct(measured, 99) <= 1000,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
