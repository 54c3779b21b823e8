// One ingest phase of the scale benches (scale-ingest, scale-nodes): fresh central node process(es) on
// a backend, every dock uploads its clip once through the bench mosquitto; the phase ends when every
// dock holds its signed receipt. Figures: MB/s and core-seconds per 200 MB of each process role
// (proc-cpu.ts), and with several nodes each node's own CPU and the clips it stored (lease balance).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { allClips } from '../../central-store/index/tables/clips.js';
import { PgIndex } from '../../central-store/index/pg.js';
import { Uploader } from '../../dock-agent/uploader.js';
import type { Mosquitto } from '../../hardware-sim/mosquitto.js';
import type { ClipSummary } from '../../shared/evidence.js';
import { createLogger } from '../../shared/log.js';
import { dockAuthFor } from '../helpers/pki.js';
import { MB, child, r2, writeClip } from './mqtt-bench-lib.js';
import { cpuByRole } from './proc-cpu.js';
import type { Servers } from './scale-backends.js';

export const load = () => execFileSync('uptime').toString().trim().replace(/^.*load average/, 'load average');

/** What the central child process gets for PostgreSQL + S3 (BENCH_CENTRAL_BACKEND). */
export interface PgTarget { pgUrl: string; s3: { endpoint: string; region: string; bucket: string; credentials: Servers['ceph']['service'] } }

/** A fresh database on the bench PostgreSQL and a fresh bucket name on its RGW. */
export async function pgTarget(s: Servers, db: string, bucket: string): Promise<PgTarget> {
  const admin = new pg.Client({ connectionString: s.pg.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const u = new URL(s.pg.url);
  u.pathname = `/${db}`;
  return { pgUrl: u.toString(), s3: { endpoint: s.ceph.endpoint, region: s.ceph.region, bucket, credentials: s.ceph.service } };
}

export interface PhaseSetup {
  dir: string; mosq: Mosquitto; clips: { clip: ClipSummary; file: string }[]; keyFile: string; publicKey: KeyObject;
  /** The bytes the MB/s and per-200-MB figures are of (the docks' clips). */
  total: number; chunkSize: number; inflight: number; say: (s: string) => void;
}

/** One clip of `perDock` bytes per dock and the central signing key in a file: what every phase shares. */
export async function phaseSetup(o: { dir: string; mosq: Mosquitto; docks: number; perDock: number; chunkSize: number; inflight: number; say: (s: string) => void }): Promise<PhaseSetup> {
  const clips: PhaseSetup['clips'] = [];
  for (let d = 0; d < o.docks; d++) clips.push(await writeClip(o.dir, randomUUID(), o.perDock));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = path.join(o.dir, 'central.key.pem');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { dir: o.dir, mosq: o.mosq, clips, keyFile, publicKey, total: o.docks * o.perDock, chunkSize: o.chunkSize, inflight: o.inflight, say: o.say };
}

/**
 * One phase: `nodes` fresh central workers on `backend` (undefined: sqlite + directory), every dock
 * uploads its clip once. More than one node needs PostgreSQL: the nodes share the index and take docks
 * by lease (ingest-leases.ts), each receiving every dock's messages, as central-store/main.ts runs them.
 */
export async function ingestPhase(s: PhaseSetup, name: string, backend?: PgTarget, nodes = 1) {
  const total = s.total;
  if (backend) process.env.BENCH_CENTRAL_BACKEND = JSON.stringify(backend); else delete process.env.BENCH_CENTRAL_BACKEND;
  const centrals = [];
  for (let i = 0; i < nodes; i++) {
    const store = path.join(s.dir, nodes === 1 ? name : `${name}-n${i + 1}`);
    await mkdir(store);
    centrals.push(await child(['central', s.mosq.url, store, s.keyFile, nodes === 1 ? 'w0' : `n${i + 1}`, nodes === 1 ? 'all' : 'leases']));
  }
  const log = createLogger('up', 'warn');
  const ups = s.clips.map((_, d) => new Uploader({ ...dockAuthFor(`dock-${d}`), mqtt: s.mosq.endpoint(`dock-${d}`), dockId: `dock-${d}`, centralPublicKey: s.publicKey, chunkSize: s.chunkSize, inflight: s.inflight, log }));
  await Promise.all(ups.map((u) => u.ready()));
  const loadBefore = load();
  const procs = cpuByRole();
  const t0 = performance.now();
  await Promise.all(s.clips.map((c, d) => ups[d]!.upload(c.clip, c.file)));
  const sec = (performance.now() - t0) / 1000;
  const coreS = procs.stop();
  await Promise.all(ups.map((u) => u.close()));
  for (const c of centrals) c.proc.stdin!.end();
  await Promise.all(centrals.map((c) => new Promise((r) => c.proc.once('exit', r))));
  const per200 = Object.fromEntries(Object.entries(coreS).filter(([, v]) => v > 0).map(([k, v]) => [k, r2((v * 200 * MB) / total)]));
  const r: Record<string, unknown> = {
    seconds: r2(sec), MBps: r2(total / MB / sec), coreSecPer200MB: per200,
    // What the store side costs (central worker(s) + its database and object store), the docks and the broker aside.
    storeCoreSecPer200MB: r2(['central', 'postgres', 'ceph'].reduce((a, k) => a + (per200[k] ?? 0), 0)),
    wholePhaseCoreSecPer200MB: r2(Object.values(per200).reduce((a, b) => a + b, 0)),
    load: { before: loadBefore, after: load() },
  };
  if (nodes > 1 && backend) {
    // Each node's own CPU (from ready to stop, so a little idle lease renewal around the phase) and the clips it stored.
    r.nodeCoreSecPer200MB = centrals.map((c) => r2((c.cpuS() * 200 * MB) / total));
    const ix = await PgIndex.open(backend.pgUrl, { max: 1 });
    const rows = await ix.tx((u) => allClips(u));
    await ix.close();
    r.clipsPerNode = Array.from({ length: nodes }, (_, i) => rows.filter((x) => x.worker_id === `n${i + 1}`).length);
  }
  s.say(`${name}: ${JSON.stringify(r)}`);
  return r;
}
