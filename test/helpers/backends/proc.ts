// Shared bits for the test daemons (PostgreSQL, Ceph): find a binary, spawn one with its output in a
// log file, wait for a condition with a deadline, stop a process by its PID (TERM, then KILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, openSync, closeSync } from 'node:fs';
import path from 'node:path';

/** The first executable named `name` on PATH or in `extraDirs`, or null. */
export function findBinary(name: string, extraDirs: string[] = []): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', ...extraDirs].filter(Boolean);
  for (const d of dirs) {
    const p = path.join(d, name);
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

/** Spawn with stdout+stderr appended to `logFile`; the child does not keep the test process alive. */
export function spawnLogged(cmd: string, args: string[], logFile: string, o: { cwd?: string; uid?: number; gid?: number } = {}): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: o.cwd, uid: o.uid, gid: o.gid });
    child.unref();
    return child;
  } finally { closeSync(fd); }
}

export async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** SIGTERM, wait up to `graceMs` for the process to go, then SIGKILL. */
export async function stopPid(pid: number | undefined, graceMs = 5000): Promise<void> {
  if (!pid || !alive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Run to completion with a timeout; resolves with stdout, rejects naming the command and its stderr. */
export function run(cmd: string, args: string[], o: { timeoutMs?: number; uid?: number; gid?: number; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], uid: o.uid, gid: o.gid, cwd: o.cwd });
    let out = '', err = '';
    child.stdout.on('data', (b: Buffer) => { if (out.length < 1 << 20) out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { if (err.length < 1 << 16) err += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')}: exit ${code ?? sig}: ${err.trim().slice(-500)}`));
    });
  });
}
