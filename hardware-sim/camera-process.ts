// A simulated camera as its own OS process: the real firmware on the sim twins (hardware-sim/camera-main.ts),
// driven over the IPC channel. Killing it with SIGKILL is a real power cut: whatever was not
// fsynced is lost, exactly as on the board.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimCommand } from './sim-control.js';

const MAIN = fileURLToPath(new URL('./camera-main.ts', import.meta.url));

export interface CameraProcess {
  readonly deviceId: string;
  readonly pid: number | undefined;
  send(cmd: SimCommand, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Power cut: SIGKILL, no chance to close anything. */
  kill9(): Promise<void>;
  /** Clean stop (SIGTERM): the open clip is closed properly. */
  stop(): Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/**
 * A camera under tsx boots in 1-3 s, but 8 booting at once at load 30-43 (2 cores) took over 30 s: two of
 * four multi-dock runs died at 'did not boot' before measuring anything.
 */
const BOOT_TIMEOUT_MS = 90_000;

/** Write `config` to dir/config.json and boot the firmware on it; resolves once the camera is ready. */

export async function startCameraProcess(
  dir: string,
  config: Record<string, unknown>,
  /** bundle: a built camera-sim entry (dist/camera-sim.js) run under plain node, as deployed, instead of the sources under tsx. */
  o: { bootTimeoutMs?: number; bundle?: string; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<CameraProcess> {
  await mkdir(dir, { recursive: true });
  const configPath = path.join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child: ChildProcess = fork(o.bundle ?? MAIN, [configPath], {
    execArgv: [...(o.bundle ? [] : ['--import', 'tsx']), ...(o.nodeArgs ?? []), ...(process.env.FLEET_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLEET_CPU_PROF}/camera`] : [])],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, LOG_LEVEL: process.env.CAMERA_LOG_LEVEL ?? 'warn', ...o.env },
  });
  let err = '';
  child.on('error', () => undefined); // a send racing a power cut; the request rejects on exit
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
  if (process.env.FLEET_LOG_DIR) child.stderr!.pipe(createWriteStream(path.join(process.env.FLEET_LOG_DIR, `camera-${String(config.deviceId)}-${child.pid}.log`)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let nextId = 1;
  const pending = new Map<number, { resolve(v: Record<string, unknown>): void; reject(e: Error): void }>();
  child.on('message', (m: { id?: number; ok?: boolean; result?: Record<string, unknown>; error?: string }) => {
    if (m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.result ?? {});
    else p?.reject(new Error(m.error));
  });
  void exited.then(({ code, signal }) => {
    for (const p of pending.values()) p.reject(new Error(`camera ${String(config.deviceId)} exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`camera ${String(config.deviceId)} did not boot: ${err}`)), o.bootTimeoutMs ?? BOOT_TIMEOUT_MS);
    child.on('message', (m: { event?: string }) => {
      if (m.event === 'ready') { clearTimeout(timer); resolve(); }
    });
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`camera ${String(config.deviceId)} exited at boot (code ${code}): ${err.trim()}`)); });
  });
  return {
    deviceId: String(config.deviceId),
    pid: child.pid,
    send(cmd, timeoutMs = 30_000) {
      const id = nextId++;
      if (!child.connected) return Promise.reject(new Error(`camera ${String(config.deviceId)} is not running`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { pending.delete(id); reject(new Error(`camera ${String(config.deviceId)}: ${cmd.op} timed out`)); }, timeoutMs);
        pending.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); } });
        child.send({ id, cmd });
      });
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const r = await exited;
      clearTimeout(timer);
      return r.code;
    },
    exited,
    stderr: () => err,
  };
}
