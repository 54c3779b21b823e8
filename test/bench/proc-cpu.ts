// CPU seconds of this process's descendants, by role (read from /proc, so it sees processes that are
// still running: a fleet run's dock, central, cameras, mosquitto, socat). Sample before and after.
import { readFileSync, readdirSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function roleOf(cmd: string): string {
  // test/bench/mqtt-bench-child.ts ROLE ...: the sink or the central worker of the MQTT benches.
  const child = /mqtt-bench-child\.ts (\w+)/.exec(cmd);
  if (child) return child[1]!;
  if (cmd.includes('dock-process')) return 'dock';
  if (cmd.includes('central-process')) return 'central';
  if (cmd.includes('camera') || cmd.includes('firmware')) return 'camera';
  if (cmd.includes('mosquitto')) return 'mosquitto';
  if (cmd.includes('socat')) return 'socat';
  // The benches' own PostgreSQL and Ceph (test/helpers/backends): the index server and the S3 side.
  if (/(^|\/)postgres /.test(cmd) || cmd.startsWith('postgres:')) return 'postgres';
  if (/(^|\/)(radosgw|ceph-osd|ceph-mon) /.test(cmd)) return 'ceph';
  return 'other';
}

/** Roles by pid, once known (a pid's command line is read once, not at every sample). */
const roles = new Map<number, string>();

function roleOfPid(pid: number): string {
  let role = roles.get(pid);
  if (role === undefined) {
    role = roleOf(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    // 'other' may be a fork not yet exec'd: asked again next time.
    if (role !== 'other') roles.set(pid, role);
  }
  return role;
}

/**
 * CPU seconds (utime + stime of every thread), seconds its threads were runnable but waited for a CPU held
 * by other work (schedstat: ns on a CPU, ns waiting, timeslices), and its children (those its main thread
 * started: node and socat start theirs there). Reads only this tree, not every process of the machine:
 * a sample of all of /proc cost ~10 ms of CPU, taken from the processes being measured.
 */
function readProc(pid: number): { cpuSec: number; waitSec: number; children: number[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[1]) || 0; } catch { /* thread gone */ }
    }
    let children: number[] = [];
    try { children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number); } catch { /* no children file */ }
    return { cpuSec: (Number(f[11]) + Number(f[12])) / TICK, waitSec: ns / 1e9, children };
  } catch { return undefined; } // gone meanwhile
}

/** CPU seconds (and seconds runnable but waiting for a CPU) per pid of every live descendant of this process (this process itself under 'bench'). */
export function sampleCpu(): Map<number, { role: string; cpuSec: number; waitSec: number }> {
  const out = new Map<number, { role: string; cpuSec: number; waitSec: number }>();
  const walk = (pid: number, self: boolean) => {
    const p = readProc(pid);
    if (!p) return;
    let role = 'bench';
    if (!self) { try { role = roleOfPid(pid); } catch { return; } }
    out.set(pid, { role, cpuSec: p.cpuSec, waitSec: p.waitSec });
    for (const c of p.children) walk(c, false);
  };
  walk(process.pid, true);
  return out;
}

/**
 * Keeps the last sample of every process it saw (a process that exits keeps its last figure), so
 * call tick() often; stop() is CPU seconds per role since the first tick, waitSec() (after stop) the
 * seconds those processes were runnable but waited for a CPU that other work held (schedstat).
 */
export function cpuByRole(everyMs = 200): { stop(): Record<string, number>; waitSec(): Record<string, number> } {
  const first = new Map<number, { cpuSec: number; waitSec: number }>();
  const last = new Map<number, { role: string; cpuSec: number; waitSec: number }>();
  let started = false;
  const tick = () => {
    for (const [pid, s] of sampleCpu()) {
      // A process first seen after the start was started within the window: it counts from 0.
      if (!first.has(pid)) first.set(pid, started ? { cpuSec: 0, waitSec: 0 } : { cpuSec: s.cpuSec, waitSec: s.waitSec });
      // An exited child not yet reaped has an empty cmdline: it keeps the role it was seen with.
      last.set(pid, { role: last.get(pid)?.role ?? s.role, cpuSec: s.cpuSec, waitSec: s.waitSec });
    }
  };
  const sum = (k: 'cpuSec' | 'waitSec') => {
    const byRole: Record<string, number> = {};
    for (const [pid, s] of last) byRole[s.role] = +((byRole[s.role] ?? 0) + s[k] - (first.get(pid)?.[k] ?? 0)).toFixed(3);
    return byRole;
  };
  tick();
  started = true;
  const t = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(t);
      tick();
      return sum('cpuSec');
    },
    waitSec: () => sum('waitSec'),
  };
}

/** Seconds the whole machine's cores sat idle (idle + iowait in /proc/stat) since the call; stop() reads it. */
export function machineIdle(): { stop(): number } {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((f[3] ?? 0) + (f[4] ?? 0)) / TICK;
  };
  const first = read();
  return { stop: () => +(read() - first).toFixed(3) };
}
