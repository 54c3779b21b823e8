// A real mosquitto on a free loopback port with a generated config, stop/restart (tests, fleet runs).
// The listener is the production one from `bodycam provision broker` (TLS, client certificates from
// the CA, username = certificate subject, the generated ACL); only the extras differ.
// persistence false: a restart loses every queued message, which is what the tests want to survive.
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { renderMosquittoAcl } from '../shared/mqtt/acl.js';
import type { KeyAndCert } from '../shared/pki/ca.js';
import { mosquittoConfLines, orgOf, type ListenerFiles } from '../shared/pki/broker-provision.js';
import type { RevocationListBody } from '../shared/pki/revocation.js';
import { x509Crl } from '../shared/pki/x509-crl.js';
import { brokerAccess, defaultTestCa, identityFor, type BrokerAccess } from './broker-pki.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Mosquitto extends BrokerAccess {
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * Started as root, mosquitto drops to the `mosquitto` user before it reads the CA, key and ACL: give
 * it the directory and files (still unreadable to anyone else).
 */
export async function handToBrokerUser(dir: string, files: string[]): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const line = (await readFile('/etc/passwd', 'utf8').catch(() => '')).split('\n').find((l) => l.startsWith('mosquitto:'));
  if (!line) return;
  const [, , uid, gid] = line.split(':');
  for (const p of [dir, ...files]) await chown(p, Number(uid), Number(gid));
}

export interface BrokerOptions {
  /** The organisation CA (default: one test CA per process). */
  ca?: KeyAndCert;
  /** Dock ids given ACL entries (default dock-1 … dock-3). */
  docks?: string[];
  /** Central store ids given ACL entries (default central-1). */
  centrals?: string[];
  /** A verified revocation list: its serials go to mosquitto as an X.509 CRL (refused at the TLS handshake). */
  revocation?: RevocationListBody;
}

export const DEFAULT_DOCKS = ['dock-1', 'dock-2', 'dock-3'];
export const DEFAULT_CENTRALS = ['central-1'];

/** extraAcl: more acl_file lines (benchmarks' raw baseline topics), appended after the generated rules. */
export async function startMosquitto(opts: BrokerOptions & { extraConfig?: string[]; extraAcl?: string[] } = {}): Promise<Mosquitto> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mosq-'));
  const port = await freePort();
  const ca = opts.ca ?? defaultTestCa();
  const server = identityFor(ca, 'broker', 'localhost');
  const f: ListenerFiles = { port, bind: '127.0.0.1', caPath: path.join(dir, 'ca.pem'), certPath: path.join(dir, 'broker.cert.pem'), keyPath: path.join(dir, 'broker.key.pem'), aclPath: path.join(dir, 'acl') };
  await writeFile(f.caPath, ca.certPem);
  await writeFile(f.certPath, server.certPem);
  await writeFile(f.keyPath, server.keyPem, { mode: 0o600 });
  await writeFile(f.aclPath, renderMosquittoAcl(orgOf(ca.certPem), opts.docks ?? DEFAULT_DOCKS, opts.centrals ?? DEFAULT_CENTRALS) + (opts.extraAcl ?? []).join('\n') + '\n');
  if (opts.revocation) {
    f.crlPath = path.join(dir, 'crl.pem');
    await writeFile(f.crlPath, x509Crl(opts.revocation, ca));
  }
  await handToBrokerUser(dir, Object.values(f).filter((v): v is string => typeof v === 'string' && v.startsWith(dir)));
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [...mosquittoConfLines(f), 'persistence false', process.env.MOSQ_DEBUG ? 'log_dest stderr' : 'log_dest none', 'max_queued_messages 10000', ...(opts.extraConfig ?? [])];
  await writeFile(conf, lines.join('\n') + '\n');
  let proc: ChildProcess | null = null;
  const launch = async () => {
    proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (process.env.MOSQ_DEBUG) proc.stderr?.pipe(process.stderr); else proc.stderr?.resume();
    await waitForPort(port, 5000);
  };
  const kill = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGKILL'); });
  };
  await launch();
  return {
    ...brokerAccess(`mqtts://127.0.0.1:${port}`, ca),
    port,
    async stop() { await kill(); await rm(dir, { recursive: true, force: true }); },
    async restart() { await kill(); await launch(); },
  };
}
