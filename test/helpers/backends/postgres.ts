// One real PostgreSQL for tests: initdb into a temp dir, a free loopback port, trust auth for the one
// superuser `bodycam`, fsync off (a test cluster; durability is not under test here; benches ask for
// `durable`: the server's defaults, fsync and synchronous commit on). As root the
// server runs as the `postgres` user (initdb refuses root).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../../hardware-sim/mosquitto.js';
import { findBinary, run, spawnLogged, stopPid, waitFor } from './proc.js';

export interface TestPostgres {
  url: string; port: number; pid: number; dir: string; stop(): Promise<void>;
  /** Fast shutdown (SIGINT: sessions cut, clean checkpoint), then the server again on the same data and port (a fault test's restart). */
  restart(): Promise<void>;
}

function pgBinDir(): string | null {
  const viaPath = findBinary('initdb');
  if (viaPath) return path.dirname(viaPath);
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (findBinary('initdb', [`/usr/lib/postgresql/${v}/bin`])) return `/usr/lib/postgresql/${v}/bin`;
  } catch { /* none */ }
  return null;
}

/** Why PostgreSQL cannot be started here (binaries missing), or null. */
export function postgresMissing(): string | null {
  return pgBinDir() ? null : 'PostgreSQL server binaries (initdb, postgres) not installed: apt-get install postgresql';
}

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function startPostgres(dir: string, o: { durable?: boolean } = {}): Promise<TestPostgres> {
  const bin = pgBinDir();
  if (!bin) throw new Error(postgresMissing()!);
  const who = runAs();
  mkdirSync(dir, { recursive: true });
  // The server's user must be able to reach its directory through a private temp dir.
  if (who.uid !== undefined) { chmodSync(path.dirname(dir), 0o711); chownSync(dir, who.uid, who.gid!); }
  const data = path.join(dir, 'data');
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'bodycam', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], { ...who, timeoutMs: 60_000, cwd: dir });
  const port = await freePort();
  const fast = o.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const url = `postgres://bodycam@127.0.0.1:${port}/postgres`;
  const launch = async (): Promise<number> => {
    const child = spawnLogged(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
      ...fast, '-c', 'max_connections=200'], path.join(dir, 'postgres.log'), { ...who, cwd: dir });
    const pid = child.pid!;
    try {
      await waitFor(`PostgreSQL on port ${port} (log ${dir}/postgres.log)`, 30_000, () => new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
      }), 100);
      await waitFor('PostgreSQL accepting queries', 30_000, async () => {
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
        try { await c.connect(); await c.query('SELECT 1'); return true; } finally { await c.end().catch(() => undefined); }
      }, 100);
    } catch (err) { await stopPid(pid, 10_000); throw err; }
    return pid;
  };
  const server: TestPostgres = {
    url, port, dir, pid: await launch(),
    stop: () => stopPid(server.pid, 10_000),
    async restart() {
      try { process.kill(server.pid, 'SIGINT'); } catch { /* gone */ }
      await waitFor(`PostgreSQL ${server.pid} stopped`, 30_000, async () => { try { process.kill(server.pid, 0); return false; } catch { return true; } }, 50);
      server.pid = await launch();
    },
  };
  return server;
}
