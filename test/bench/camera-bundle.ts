// The camera firmware as deployed: built with tsup (dist/camera-sim.js: firmware/run.ts, the same
// code dist/firmware.js runs on the board, booted on the simulator's twins) and run under plain
// node, with /proc figures for its RSS and open file descriptors. Shared by the memory benches.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCameraProcess, type CameraProcess } from '../../hardware-sim/camera-process.js';
import { FIRMWARE_NODE_FLAGS } from '../../firmware/node-flags.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bundle = join(root, 'dist', 'camera-sim.js');
/**
 * The node flags of the deployed unit: those the launcher starts firmware.js with (docs/firmware.md).
 * --max-semi-space-size=1 was measured worse before capture buffers were recycled (promoted 1 MB
 * segments waited for a full GC); with them recycled it saves ~14 MB (docs/performance.md).
 */
export const DEPLOYED_NODE_ARGS: string[] = [...FIRMWARE_NODE_FLAGS];

/** Build the bundles from the current sources (the bench measures this tree, not a stale dist/). */
export function buildBundle(): void {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsup'), { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsup failed: ${r.stderr || r.stdout}`);
}

export const rssBytes = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
};
/** RSS split: anonymous (heap, buffers) and file-backed (the node binary's and libraries' pages). */
export const rssSplit = (pid: number): { anon: number; file: number } => {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
};
export const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
export const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
export const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pki = createFleetPki();

export interface BundleCamera {
  cam: CameraProcess;
  pid: number;
  close(): Promise<void>;
}

/** Boot the bundled camera on a synthetic source (no ffmpeg: its cost is not the firmware's). */
export async function startBundleCamera(o: { id: string; prerecordSeconds: number; bitrateKbps: number; simSpeed: number; prebufferBytes?: number; nodeArgs?: string[]; env?: Record<string, string> }): Promise<BundleCamera> {
  const dir = mkdtempSync(join(tmpdir(), `cam-mem-${o.id}-`));
  provisionCamera(pki, join(dir, 'trust'), o.id);
  const cam = await startCameraProcess(dir, {
    deviceId: o.id, purpose: 'guarding', hal: 'sim', prerecordSeconds: o.prerecordSeconds, longPressMs: 800,
    ...(o.prebufferBytes ? { prebufferBytes: o.prebufferBytes } : {}),
    paths: { flashDir: join(dir, 'flash'), trustDir: join(dir, 'trust') },
    camera: { synthetic: true, fps: 25, gop: 25, bitrateKbps: o.bitrateKbps },
    simSpeed: o.simSpeed,
  }, { bundle, bootTimeoutMs: 60_000, nodeArgs: o.nodeArgs ?? DEPLOYED_NODE_ARGS, env: o.env });
  return {
    cam,
    pid: cam.pid!,
    close: async () => {
      await cam.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Prebuffer { segments: number; bytes: number; spanMs: number; poolBytes: number }
export async function prebuffer(cam: CameraProcess): Promise<Prebuffer & { lastSegmentEndMs: number }> {
  const s = await cam.send({ op: 'status' });
  return { ...(s.prebuffer as Prebuffer), lastSegmentEndMs: Number(s.lastSegmentEndMs) };
}
