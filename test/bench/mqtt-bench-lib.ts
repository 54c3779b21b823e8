// Shared plumbing for offload.bench.ts and ingest.bench.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { startMosquitto, type Mosquitto } from '../../hardware-sim/mosquitto.js';
import { buildSignedClip } from '../helpers/pki.js';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { ClipSummary } from '../../shared/evidence.js';

export const MB = 1024 * 1024;

/** `--name N` when the bench runs directly, `--name=N` through `npm run bench` (it passes only arguments starting with '-'). */
export function arg(name: string, def: number): number {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return Number(eq.slice(name.length + 3));
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/**
 * Start mqtt-bench-child.ts; resolves once it printed {"ready":true}. `waitWarm` resolves on {"warm":true}, `waitDone` on {"done":true};
 * cpuS() is the last CPU core-seconds it reported (its own process, all threads), NaN before any.
 */
export async function child(args: string[]): Promise<{ proc: ChildProcess; waitDone: Promise<void>; waitWarm: Promise<void>; cpuS: () => number }> {
  let cpuS = NaN;
  let warm!: () => void;
  const waitWarm = new Promise<void>((r) => { warm = r; });
  const proc = spawn(process.execPath, [...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import=tsx', path.join(import.meta.dirname, 'mqtt-bench-child.ts'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let ready!: () => void;
  let done!: () => void;
  const readyP = new Promise<void>((r) => { ready = r; });
  const waitDone = new Promise<void>((r) => { done = r; });
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
    try { const m = JSON.parse(l); if (typeof m.cpuS === 'number') cpuS = m.cpuS; if (m.ready) ready(); if (m.warm) warm(); if (m.done) done(); } catch { /* ignore */ }
  });
  proc.once('exit', () => { ready(); warm(); done(); });
  await readyP;
  return { proc, waitDone, waitWarm, cpuS: () => cpuS };
}

/** A real clip sealed by the test camera cam-bench (1 MB segments, as a camera writes them), about `bytes` long. */
export async function writeClip(dir: string, id: string, bytes: number): Promise<{ clip: ClipSummary; file: string }> {
  const { clip, data } = buildSignedClip(bytes, { deviceId: 'cam-bench', clipId: id, segmentBytes: 1_000_000 });
  const file = path.join(dir, `${id}.bin`);
  await writeFile(file, data);
  return { file, clip };
}

/** Run fn with at most n at once. */
export async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => { while (i < items.length) await fn(items[i++]); }));
}

export const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Core-seconds the whole machine spent busy (all processes: broker, central, benches, kernel) since
 * the last call, from /proc/stat. On 2 shared cores a phase that needs more CPU cannot run as fast:
 * the ratio of two phases' core-seconds bounds their throughput ratio when the cores are saturated.
 */
export function cpuMeter(): () => number {
  const busy = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100; // user nice system irq softirq steal (USER_HZ 100)
  };
  let last = busy();
  return () => { const b = busy(); const d = b - last; last = b; return r2(d); };
}

/**
 * The bench broker: TLS and ACL as in production, plus one extra identity (dock "bench-raw") that may
 * use bench/# for the raw baselines. Children get their identity files through the environment.
 */
export async function startBenchMosquitto(docks: string[]): Promise<Mosquitto> {
  const { brokerUsername } = await import('../../shared/mqtt/acl.js');
  const { orgOf } = await import('../../shared/pki/broker-provision.js');
  const { defaultTestCa } = await import('../../hardware-sim/broker-pki.js');
  const ca = defaultTestCa();
  const mosq = await startMosquitto({ ca, docks, centrals: ['central-1'], extraAcl: [`user ${brokerUsername(orgOf(ca.certPem), 'dock', 'bench-raw')}`, 'topic readwrite bench/#'] });
  process.env.BENCH_MQTT_CENTRAL_TLS = JSON.stringify(mosq.files('central-1', 'central'));
  process.env.BENCH_MQTT_SINK_TLS = JSON.stringify(mosq.files('bench-raw'));
  return mosq;
}
