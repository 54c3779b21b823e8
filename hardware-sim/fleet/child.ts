// A fleet component as its own OS process (so a crash is a real SIGKILL), talking over IPC:
// it sends {event: ...} messages and answers {id, cmd} requests with {id, ok, result|error}.
import { fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Child {
  readonly name: string;
  request(cmd: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  stderr(): string;
}

export function scriptPath(rel: string, base: string): string {
  return fileURLToPath(new URL(rel, base));
}

export async function startChild(name: string, script: string, args: string[], onEvent: (e: Record<string, unknown>) => void, readyEvent = 'ready', timeoutMs = 30_000): Promise<Child> {
  const child = fork(script, args, { execArgv: ['--import', 'tsx', ...(process.env.FLEET_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLEET_CPU_PROF}/${name}`] : [])], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, LOG_LEVEL: process.env.FLEET_LOG_LEVEL ?? 'warn' } });
  let err = '';
  child.on('error', () => undefined); // a send racing the child's death; the request rejects on exit
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
  // FLEET_LOG_DIR: keep every component's log (pino, stderr) as <dir>/<name>-<pid>.log for post-mortems.
  if (process.env.FLEET_LOG_DIR) child.stderr!.pipe(createWriteStream(path.join(process.env.FLEET_LOG_DIR, `${name}-${child.pid}.log`)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  child.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string }) => {
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(`${name}: ${m.error}`));
      return;
    }
    if (m.event === readyEvent) ready();
    else if (m.event) onEvent(m as Record<string, unknown>);
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error(`${name} exited`));
    pending.clear();
  });
  await Promise.race([
    isReady,
    exited.then(() => { throw new Error(`${name} exited at start: ${err.trim()}`); }),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} did not start: ${err.trim()}`)), timeoutMs)),
  ]);
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    request(cmd, t = 30_000) {
      const id = nextId++;
      if (!child.connected) return Promise.reject(new Error(`${name} is not running`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { pending.delete(id); reject(new Error(`${name}: ${String(cmd.op)} timed out`)); }, t);
        pending.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); } });
        child.send({ id, cmd });
      });
    },
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
    stderr: () => err,
  };
}

/** Child side: answer requests with `handle`, report events. */
export function serveParent(handle: (cmd: Record<string, unknown>) => Promise<unknown>): { event(e: Record<string, unknown>): void } {
  process.on('message', (m: { id: number; cmd: Record<string, unknown> }) => {
    handle(m.cmd).then(
      (result) => process.send?.({ id: m.id, ok: true, result }),
      (err: Error) => process.send?.({ id: m.id, ok: false, error: err.message }),
    );
  });
  return { event: (e) => process.send?.(e) };
}
