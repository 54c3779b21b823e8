// The central store's ingest worker: receives chunks over MQTT, assembles and verifies them, stores
// the blob durably, indexes it and answers with a signed receipt. Several workers may share one broker
// (shared subscription) and one work directory; every step is idempotent by clip id. This file is the
// transport (subscription, routing by topic, acks and PUBACKs); flow control is in ingest-flow.ts, a
// clip's verification and indexing in ingest-clips.ts, wipe certificates and device logs in ingest-records.ts.
import type { KeyLike } from 'node:crypto';
import { createLogger, type Logger } from '../shared/log.js';
import { ClipMetaSchema, decodeChunk, decodeJson, encodeJson, type Ack, type Status } from '../shared/mqtt/codec.js';
import { connectMqtt, type MqttEndpoint } from '../shared/mqtt/connect.js';
import type { AuthTrust } from '../shared/mqtt/dock-auth.js';
import { centralFilters, parseTopic, topics } from '../shared/mqtt/topics.js';
import type { RevocationSet } from '../shared/pki/revocation.js';
import type { BlobPort } from './blob/port.js';
import { MIGRATIONS } from './index/migrations.js';
import type { Index } from './index/port.js';
import { SqliteIndex } from './index/sqlite.js';
import type { ClipRow } from './index/tables/clips.js';
import type { Db } from './db.js';
import { Assembler } from './ingest-assembly.js';
import { asmId, clipIngest } from './ingest-clips.js';
import { IngestFlow } from './ingest-flow.js';
import { incidentRecorder, recordIngest } from './ingest-records.js';
import type { RetentionConfig } from './retention.js';
import { heartbeatIngest } from './ingest-heartbeat.js';
import type { DockLeases } from './ingest-leases.js';
import { signedByTopicDock } from './ingest-signed.js';
import { StoredClips } from './ingest-stored.js';

export type Subscription = { mode: 'all' } | { mode: 'shared'; group?: string } | { mode: 'docks'; dockIds: string[] };

export interface IngestOptions {
  /** The broker, and the central store's client certificate (OU = central). */
  mqtt: MqttEndpoint;
  /** The store's sqlite connection: the index when `index` is not given. */
  db?: Db;
  /** The index port (docs/scale-out.md); default: sqlite on `db`. */
  index?: Index;
  blobs: BlobPort;
  /** The central store's private signing key (Ed25519). */
  receiptKey: KeyLike;
  storeId: string;
  workerId: string;
  /** Default: all docks. 'shared' spreads docks' messages over workers ($share/<group>/...). */
  subscription?: Subscription;
  /**
   * Several central nodes on one index and broker: only the docks this node holds the lease on are
   * handled, the others' messages are dropped (ingest-leases.ts). One per node, shared by its workers;
   * every node must then receive every dock's messages (mode 'all', or 'shared' with a group of its own).
   */
  leases?: DockLeases;
  /**
   * Flow control, shared by the workers of one process (default: this worker's own): a clip's metas are
   * then handled one at a time across the workers, so two workers never store one clip at once (on S3
   * that made two versions of one key), and a meta waits for every worker's writes of its chunks.
   */
  flow?: IngestFlow;
  /** Scratch dir for assembly; default blobs.workDir(). Must be shared by workers of one store. */
  workDir?: string;
  /** The organisation CA certificate (PEM) camera and dock certificates are verified to; default: the broker endpoint's CA. */
  caCertPem?: string | Buffer;
  /** The current verified revocation list, consulted at every certificate check. */
  revocation?: () => RevocationSet | null | undefined;
  onStored?: (row: ClipRow) => void;
  /** Retention rules: each new blob's retain-until is then its clip's deadline (S3 GOVERNANCE); default: the blob store's own. */
  retention?: RetentionConfig;
  /** Partial clips untouched this long are securely removed (default 7 days; checked at start and hourly). */
  partialTtlMs?: number;
  log?: Logger;
}

export interface Ingest { close(): Promise<void> }

export function subscriptionFilters(sub: Subscription): string[] {
  if (sub.mode === 'docks') return sub.dockIds.flatMap((d) => centralFilters(d));
  if (sub.mode === 'shared') return centralFilters().map((f) => `$share/${sub.group ?? 'central'}/${f}`);
  return centralFilters();
}

export async function startIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? createLogger(`ingest-${opts.workerId}`);
  if (!opts.index && !opts.db) throw new Error('startIngest: an index or a sqlite db is needed');
  const index = opts.index ?? SqliteIndex.for(opts.db!);
  await index.migrate(MIGRATIONS); // the one list (markers, dock heartbeats, ...); the store applies it at open too
  const asm = new Assembler(opts.workDir ?? opts.blobs.workDir());
  const flow = opts.flow ?? new IngestFlow();
  const filters = subscriptionFilters(opts.subscription ?? { mode: 'all' });
  const client = connectMqtt(opts.mqtt, {
    clean: true, clientId: `central-${opts.storeId}-${opts.workerId}`, reconnectPeriod: 500,
    connectTimeout: 5000, resubscribe: false,
  });
  let subscribed: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { subscribed = resolve; });
  client.on('connect', () => {
    client.subscribe(filters, { qos: 1 }, (err) => { if (err) log.warn({ err }, 'subscribe failed'); else subscribed(); });
  });
  client.on('error', (err) => log.debug({ err }, 'mqtt error'));

  // Never awaited inside handleMessage: the PUBACK for it cannot be read until that message is done.
  const publish = (topic: string, body: Status | Ack) =>
    client.publishAsync(topic, encodeJson(body), { qos: 1 }).catch((err) => log.warn({ err, topic }, 'publish failed'));

  const trust: AuthTrust = { caCertPem: String(opts.caCertPem ?? opts.mqtt.tls.ca), revocation: opts.revocation };
  const incident = incidentRecorder(index, log);
  const handleMeta = clipIngest({
    index, blobs: opts.blobs, asm, flow, trust, receiptKey: opts.receiptKey, storeId: opts.storeId, workerId: opts.workerId,
    onStored: opts.onStored, retention: opts.retention, incident, log,
  });
  const heartbeat = heartbeatIngest({ index, trust, log });
  const stored = new StoredClips(index);
  const records = recordIngest({ index, trust, incident, ack: (dockId, body) => void publish(topics.ack(dockId), body), receiptKey: opts.receiptKey, storeId: opts.storeId });

  const onMeta = (dockId: string, clipId: string, payload: Buffer) => {
    const meta = decodeJson(ClipMetaSchema, payload, 'meta');
    if (meta.dockId !== dockId || meta.clipId !== clipId) throw new Error('meta: dockId/clipId do not match the topic');
    // One meta at a time per clip in this worker; answered in the background so chunks keep flowing.
    flow.oneAtATime(clipId, () => handleMeta(dockId, meta).then(
      (status) => { if (!status) return; if (status.state === 'complete') stored.stored(clipId); return publish(topics.status(dockId, clipId), status); },
      (err) => log.warn({ err: String(err), clipId }, 'meta handling failed; the dock will ask again'),
    ).then(() => undefined));
  };

  const handle = async (topic: string, payload: Buffer): Promise<void> => {
    const t = parseTopic(topic);
    if (!t) return;
    // A revoked dock's id is refused outright (its certificate may still open a broker that was not re-provisioned).
    const revoked = opts.revocation?.()?.revokedId('dock', t.dockId);
    if (revoked) throw new Error(`dock ${t.dockId} is revoked (${revoked.reason}); message dropped`);
    // Another node's dock: that node answers it (the dock's retries reach whoever holds the lease next).
    // Only a message the dock signed takes its lease (checked only when one would be taken).
    if (opts.leases && !await opts.leases.owns(t.dockId, t.kind !== 'heartbeat', () => signedByTopicDock(t, payload, trust))) return;
    if (t.kind === 'chunk') {
      if (await stored.has(t.clipId)) return; // already stored: a late duplicate
      const c = decodeChunk(payload);
      if (c.index !== t.index) throw new Error(`chunk: header index ${c.index} differs from topic ${t.index}`);
      const aid = asmId(t.dockId, t.clipId);
      // Beyond the bound of overlapping writes this waits, and with it the PUBACK, which paces the broker.
      await flow.write(aid, () => asm.writeChunk(aid, c), (err) => log.warn({ err: String(err), topic }, 'chunk write failed; it will be re-requested'));
    } else if (t.kind === 'meta') onMeta(t.dockId, t.clipId, payload);
    else if (t.kind === 'wipe-cert') await records.wipeCert(t.dockId, payload);
    else if (t.kind === 'device-log') await records.deviceLog(t.dockId, payload);
    else if (t.kind === 'heartbeat') await heartbeat(t.dockId, payload);
  };

  // Ack (PUBACK) only after the chunk is written: the broker's in-flight limit then paces the senders.
  client.handleMessage = (packet, done) => {
    handle(packet.topic, packet.payload as Buffer).then(() => done(), (err) => {
      log.warn({ err: String(err), topic: packet.topic }, 'message rejected');
      done();
    });
  };

  await ready;
  const ttl = opts.partialTtlMs ?? 7 * 24 * 3600 * 1000;
  const sweep = () => asm.sweep(ttl).then((r) => { if (r.length) log.info({ removed: r }, 'stale partial clips removed'); }, (err) => log.warn({ err: String(err) }, 'sweep failed'));
  await sweep();
  const sweeper = setInterval(() => void sweep(), Math.min(ttl, 3600 * 1000));
  sweeper.unref();
  return {
    async close() {
      clearInterval(sweeper);
      await flow.drain();
      await client.endAsync();
      await asm.closeAll();
    },
  };
}
