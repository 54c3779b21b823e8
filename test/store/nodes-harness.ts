// Several real central-store processes (central-store/main.ts, spawned as an operator starts them) on
// one PostgreSQL index, one S3 bucket (Ceph RGW) and one mosquitto: the harness for the fault tests of
// docs/scale-out.md, "Several central nodes". Each node has its own data directory (its own assembly
// work dir, as on separate machines) and the same master key and sealed signing key. What the nodes did
// is read from outside: the index through the port, the bucket through the S3 API, the broker as a dock.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ExecutionContext } from 'ava';
import mqtt from 'mqtt';
import pg from 'pg';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../central-store/blob/s3.js';
import { PgIndex } from '../../central-store/index/pg.js';
import { sealSigningKey } from '../../central-store/signing-key.js';
import { Uploader } from '../../dock-agent/uploader.js';
import type { SignedDocument } from '../../shared/evidence.js';
import { StatusSchema, decodeJson } from '../../shared/mqtt/codec.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { topics } from '../../shared/mqtt/topics.js';
import type { Mosquitto } from '../helpers/mosquitto.js';
import { dockAuthFor } from '../helpers/pki.js';
import { quiet } from '../mqtt/setup.js';
import type { S3Target } from '../helpers/backends/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let n = 0;

export interface Node { name: string; proc: ChildProcess; pid: number; exited: Promise<number | null>; stop(): Promise<void>; kill9(): Promise<void> }

/** One cluster per test: a fresh database and bucket, N node configs; nodes started with start(). */
export async function cluster(t: ExecutionContext, o: { pgUrl: string; s3: S3Target; broker: Mosquitto; leaseSeconds?: number }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nodes-'));
  const db = `nodes_${process.pid}_${Date.now().toString(36)}_${n}`;
  const bucket = `nodes-${process.pid}-${Date.now().toString(36)}-${n++}`;
  const admin = new pg.Client({ connectionString: o.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = new URL(o.pgUrl);
  url.pathname = `/${db}`;
  const masterKey = randomBytes(32);
  await writeFile(path.join(dir, 'master.key'), masterKey, { mode: 0o600 });
  await writeFile(path.join(dir, 's3.json'), JSON.stringify({ accessKeyId: o.s3.service.accessKeyId, secretAccessKey: o.s3.service.secretAccessKey }), { mode: 0o600 });
  // Every node signs receipts with the one store key (provisioned to each, sealed under the master key).
  const signing = generateKeyPairSync('ed25519');
  const nodes: Node[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  let index: PgIndex | undefined;
  let s3c: ReturnType<typeof S3BlobStore.client> | undefined;

  t.teardown(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    for (const x of nodes) await x.kill9();
    await index?.close();
    s3c?.destroy();
    const c = new pg.Client({ connectionString: o.pgUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await c.end();
    await rm(dir, { recursive: true, force: true });
  });

  /** `workers`: ingest workers in the node (more than one share a group of the node's own). */
  const start = async (name: string, so: { workers?: number } = {}): Promise<Node> => {
    const nodeDir = path.join(dir, name);
    const dataDir = path.join(nodeDir, 'data');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await sealSigningKey(path.join(dataDir, 'signing-key.sealed.json'), path.join(dataDir, 'receipt-signing.pub.pem'), masterKey, signing.privateKey).catch((err: Error) => {
      if (!/already exists/.test(err.message)) throw err; // a restarted node keeps its provisioned key
    });
    const cfg = {
      storeId: 'store-cluster', dataDir, epochDaysAhead: 1, api: { port: 0 },
      mqtt: { url: o.broker.url, tls: o.broker.files(name, 'central'), dockLeaseSeconds: o.leaseSeconds ?? 2, workers: so.workers ?? 1 },
      index: { backend: 'postgres', postgres: { url: url.toString(), poolMax: 4 } },
      blobs: { backend: 's3', s3: { endpoint: o.s3.endpoint, region: o.s3.region, bucket, credentialsFile: path.join(dir, 's3.json') } },
    };
    const cfgFile = path.join(nodeDir, 'store.json');
    await writeFile(cfgFile, JSON.stringify(cfg));
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), cfgFile], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: process.env.NODES_LOG ?? 'silent', BODYCAM_MASTER_KEY_FILE: path.join(dir, 'master.key') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr!.on('data', (d) => { err = (err + d).slice(-4000); if (process.env.NODES_LOG) process.stderr.write(`[${name}] ${d}`); });
    const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
    await Promise.race([
      new Promise<void>((resolve) => createInterface({ input: proc.stdout! }).once('line', () => resolve())),
      exited.then((code) => { throw new Error(`${name} exited ${code} before it was ready: ${err}`); }),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} not ready in 60 s: ${err}`)), 60_000).unref()),
    ]);
    const node: Node = {
      name, proc, pid: proc.pid!, exited,
      async stop() { if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGTERM'); await exited; } },
      async kill9() { if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGKILL'); await exited; } },
    };
    nodes.push(node);
    return node;
  };

  /** The shared index, read through the port (a connection of the test's own). */
  const idx = async () => (index ??= await PgIndex.open(url.toString()));
  /** Every version (and delete marker) of a key in the bucket, through the S3 API. */
  const versions = async (key: string): Promise<string[]> => {
    s3c ??= S3BlobStore.client({ endpoint: o.s3.endpoint, region: o.s3.region, credentials: o.s3.service });
    const r = await s3c.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    return [...r.Versions ?? [], ...r.DeleteMarkers ?? []].filter((v) => v.Key === key).map((v) => v.VersionId!);
  };

  /** The real dock uploader, quick to ask again (the takeover waits for the dead node's lease to run out). */
  const dock = (dockId: string): Uploader => {
    const u = new Uploader({ ...dockAuthFor(dockId), mqtt: o.broker.endpoint(dockId), dockId, centralPublicKey: signing.publicKey, chunkSize: 64 * 1024,
      statusTimeoutMs: 500, maxBackoffMs: 1000, log: quiet(`dock-${dockId}`) });
    closers.push(() => u.close());
    return u;
  };

  /** Every status the central nodes send to a dock, seen by a second client with the dock's identity. */
  const watch = async (dockId: string) => {
    const c = await mqtt.connectAsync(o.broker.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: `watch-${dockId}-${randomBytes(3).toString('hex')}`, ...mqttTlsOptions(o.broker.endpoint(dockId).tls) });
    closers.push(() => c.endAsync(true));
    const receipts = new Map<string, Set<string>>();
    c.on('message', (_topic, payload) => {
      const s = decodeJson(StatusSchema, payload, 'status');
      if (s.state !== 'complete') return;
      let set = receipts.get(s.clipId);
      if (!set) receipts.set(s.clipId, set = new Set());
      set.add(JSON.stringify(s.receipt));
    });
    await c.subscribeAsync(topics.status(dockId, '+'), { qos: 1 });
    /** The distinct receipts central sent for a clip (JSON texts). */
    return (clipId: string) => [...receipts.get(clipId) ?? []];
  };

  return { start, idx, versions, dock, watch, nodes, publicKey: signing.publicKey as KeyObject, bucket, db };
}

export const receiptJson = (r: SignedDocument) => JSON.stringify(r);
