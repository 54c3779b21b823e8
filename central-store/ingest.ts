// The central store's ingest worker: receives chunks over MQTT, assembles and verifies them, stores
// the blob durably, indexes it and answers with a signed receipt. Several workers may share one broker
// (shared subscription) and one work directory; every step is idempotent by clip id.
import type { KeyLike } from 'node:crypto';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { openDocument, type SignedDocument, type WipeCertificateBody } from '../shared/evidence.js';
import { createLogger, type Logger } from '../shared/log.js';
import {
  ClipMetaSchema, DeviceLogMessageSchema, WipeCertMessageSchema, decodeChunk, decodeJson, encodeJson, missingRanges,
  type Ack, type ClipMeta, type Status,
} from '../shared/mqtt/codec.js';
import { connectMqtt, type MqttEndpoint } from '../shared/mqtt/connect.js';
import { centralFilters, parseTopic, topics } from '../shared/mqtt/topics.js';
import type { BlobStore } from './blob-store.js';
import { getClip, insertClip, insertDeviceLog, insertWipeCert, migrateIngest, type ClipRow } from './clips-index.js';
import type { Db } from './db.js';
import { Assembler, hashFile } from './ingest-assembly.js';
import { readStoredHeader } from './clip-stream.js';
import { MAX_HEADER_LEN, parseHeader, type ClipHeader } from '../shared/clip/format.js';
import { signReceipt } from './receipts.js';
import type { RevocationSet } from '../shared/pki/revocation.js';

export type Subscription = { mode: 'all' } | { mode: 'shared'; group?: string } | { mode: 'docks'; dockIds: string[] };

export interface IngestOptions {
  /** The broker, and the central store's client certificate (OU = central). */
  mqtt: MqttEndpoint;
  db: Db;
  blobs: BlobStore;
  /** The central store's private signing key (Ed25519). */
  receiptKey: KeyLike;
  storeId: string;
  workerId: string;
  /** Default: all docks. 'shared' spreads docks' messages over workers ($share/<group>/...). */
  subscription?: Subscription;
  /** Scratch dir for assembly; default blobs.workDir(). Must be shared by workers of one store. */
  workDir?: string;
  /** Public key of a camera, when known, to verify its wipe certificates. */
  deviceKey?: (deviceId: string) => KeyLike | undefined;
  /** The current verified revocation list, consulted at every certificate check. */
  revocation?: () => RevocationSet | null | undefined;
  onStored?: (row: ClipRow) => void;
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

/** The cleartext header at the start of a clip file, or null when there is none that parses. */
async function headerOf(file: string): Promise<ClipHeader | null> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(MAX_HEADER_LEN);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return parseHeader(buf.subarray(0, bytesRead));
  } catch { return null; } finally { await fh.close(); }
}

export async function startIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? createLogger(`ingest-${opts.workerId}`);
  migrateIngest(opts.db);
  const asm = new Assembler(opts.workDir ?? opts.blobs.workDir());
  const perClip = new Map<string, Promise<void>>();
  /** Chunk writes in progress per clip, and in all (bounded, see handleMessage). */
  const writes = new Map<string, Set<Promise<void>>>();
  let writing = 0;
  const MAX_WRITING = 32;
  let slotFreed: (() => void)[] = [];
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

  /** `header`: the stored clip's cleartext header, null when it has none that parses. */
  const storeClip = async (meta: ClipMeta, blobKey: string, header: ClipHeader | null): Promise<ClipRow> => {
    const receipt = signReceipt(opts.receiptKey, { clipId: meta.clipId, deviceId: meta.deviceId, sha256: meta.sha256, bytes: meta.bytes, storeId: opts.storeId });
    // The clip's own cleartext header says which epoch key it is really wrapped to: key destruction and
    // hold re-wrap go by the index, so a wrong epochId in the dock's meta must not land there.
    if (header && header.epochId !== meta.epochId) log.warn({ clipId: meta.clipId, meta: meta.epochId, header: header.epochId }, 'meta epochId differs from the clip header; indexing the header\'s');
    const row = insertClip(opts.db, {
      clip_id: meta.clipId, device_id: meta.deviceId, dock_id: meta.dockId, bytes: meta.bytes, sha256: meta.sha256,
      epoch_id: header?.epochId ?? meta.epochId, clip_state: meta.state, started_at: meta.startedAt, stopped_at: meta.stoppedAt,
      received_at: new Date().toISOString(), blob_key: blobKey, receipt_json: JSON.stringify(receipt), worker_id: opts.workerId,
      purpose: typeof header?.meta.purpose === 'string' && header.meta.purpose ? header.meta.purpose : null,
    });
    opts.onStored?.(row);
    return row;
  };

  const answerStored = (row: ClipRow, meta: ClipMeta): Status => row.sha256 === meta.sha256 && row.bytes === meta.bytes
    ? { v: 1, clipId: meta.clipId, req: meta.req, state: 'complete', receipt: JSON.parse(row.receipt_json) as SignedDocument }
    : { v: 1, clipId: meta.clipId, req: meta.req, state: 'rejected', reason: 'clip id already stored with a different sha256/bytes' };

  const handleMeta = async (meta: ClipMeta): Promise<Status> => {
    // Chunks that arrived before this meta are still being written: let them land first.
    while (writes.get(meta.clipId)?.size) await Promise.allSettled([...writes.get(meta.clipId)!]);
    const stored = getClip(opts.db, meta.clipId);
    if (stored) return answerStored(stored, meta);
    const key = meta.clipId;
    if (await opts.blobs.has(key)) {
      // Crashed between blob rename and index insert: the blob is there; check it and index it.
      const h = createHash('sha256');
      for await (const b of opts.blobs.read(key)) h.update(b as Buffer);
      if (h.digest('hex') === meta.sha256) {
        await asm.discard(meta.clipId, meta.chunkSize);
        return answerStored(await storeClip(meta, key, await readStoredHeader(opts.blobs, key).catch(() => null)), meta);
      }
      await opts.blobs.remove(key);
    }
    const have = await asm.have(meta.clipId, meta.chunkSize);
    const missing = missingRanges(meta.chunkCount, (i) => have.has(i));
    if (missing.length) return { v: 1, clipId: meta.clipId, req: meta.req, state: 'missing', missing, have: have.size };
    const r = await asm.finalize(meta.clipId, meta.chunkSize, meta.bytes, meta.sha256);
    if (!r.ok && 'bad' in r) return { v: 1, clipId: meta.clipId, req: meta.req, state: 'missing', missing: missingRanges(meta.chunkCount, (i) => !r.bad.includes(i)), have: have.size - r.bad.length };
    if (!r.ok) {
      await asm.discard(meta.clipId, meta.chunkSize);
      return { v: 1, clipId: meta.clipId, req: meta.req, state: 'rejected', reason: 'sha256 in meta does not match the verified chunks' };
    }
    // The header from the verified, fsync'd file, reading only its bytes (reading the blob back through
    // a stream cost 1 MiB of read and hash per clip, twice).
    const header = await headerOf(r.path);
    await opts.blobs.putFile(key, r.path);
    const row = await storeClip(meta, key, header);
    await asm.discard(meta.clipId, meta.chunkSize);
    log.info({ clipId: meta.clipId, bytes: meta.bytes }, 'clip stored');
    return answerStored(row, meta);
  };

  const onMeta = (dockId: string, clipId: string, payload: Buffer) => {
    const meta = decodeJson(ClipMetaSchema, payload, 'meta');
    if (meta.dockId !== dockId || meta.clipId !== clipId) throw new Error('meta: dockId/clipId do not match the topic');
    // One meta at a time per clip in this worker; answered in the background so chunks keep flowing.
    const prev = perClip.get(clipId) ?? Promise.resolve();
    const next = prev.then(() => handleMeta(meta)).then(
      (status) => publish(topics.status(dockId, clipId), status),
      (err) => log.warn({ err: String(err), clipId }, 'meta handling failed; the dock will ask again'),
    ).then(() => { if (perClip.get(clipId) === next) perClip.delete(clipId); });
    perClip.set(clipId, next);
  };

  const onWipeCert = (dockId: string, payload: Buffer) => {
    const m = decodeJson(WipeCertMessageSchema, payload, 'wipe-cert');
    const stored = getClip(opts.db, m.clipId);
    let body: WipeCertificateBody;
    try { body = JSON.parse(m.cert.body) as WipeCertificateBody; } catch { throw new Error('wipe-cert: cert.body is not JSON'); }
    const receiptSha = stored ? createHash('sha256').update((JSON.parse(stored.receipt_json) as SignedDocument).body, 'utf8').digest('hex') : null;
    const key = opts.deviceKey?.(m.deviceId);
    let sigOk = false;
    if (key) { try { openDocument(m.cert, key, 'wipe-certificate'); sigOk = true; } catch { sigOk = false; } }
    insertWipeCert(opts.db, {
      clipId: m.clipId, deviceId: m.deviceId, dockId, certJson: JSON.stringify(m.cert),
      receiptMatches: body.clipId === m.clipId && receiptSha !== null && body.receiptSha256 === receiptSha, signatureVerified: sigOk,
    });
    void publish(topics.ack(dockId), { v: 1, kind: 'wipe-cert', clipId: m.clipId });
  };

  const onDeviceLog = (dockId: string, payload: Buffer) => {
    const m = decodeJson(DeviceLogMessageSchema, payload, 'device-log');
    const seq = insertDeviceLog(opts.db, m.deviceId, dockId, m.entries.map((e) => ({ ...e, json: JSON.stringify(e) })));
    void publish(topics.ack(dockId), { v: 1, kind: 'device-log', deviceId: m.deviceId, seq });
  };

  const handle = async (topic: string, payload: Buffer): Promise<void> => {
    const t = parseTopic(topic);
    if (!t) return;
    // A revoked dock's id is refused outright (its certificate may still open a broker that was not re-provisioned).
    const revoked = opts.revocation?.()?.revokedId('dock', t.dockId);
    if (revoked) throw new Error(`dock ${t.dockId} is revoked (${revoked.reason}); message dropped`);
    if (t.kind === 'chunk') {
      if (getClip(opts.db, t.clipId)) return; // already stored: a late duplicate
      const c = decodeChunk(payload);
      if (c.index !== t.index) throw new Error(`chunk: header index ${c.index} differs from topic ${t.index}`);
      let set = writes.get(t.clipId);
      if (!set) writes.set(t.clipId, set = new Set());
      const p: Promise<void> = asm.writeChunk(t.clipId, c).finally(() => {
        set.delete(p);
        if (!set.size && writes.get(t.clipId) === set) writes.delete(t.clipId);
        writing--;
        const w = slotFreed; slotFreed = []; for (const f of w) f();
      });
      writing++;
      set.add(p);
      p.catch((err) => log.warn({ err: String(err), topic }, 'chunk write failed; it will be re-requested'));
      // Up to MAX_WRITING chunk writes overlap; beyond that the PUBACK waits, which paces the broker.
      while (writing >= MAX_WRITING) await new Promise<void>((r) => slotFreed.push(r));
    } else if (t.kind === 'meta') onMeta(t.dockId, t.clipId, payload);
    else if (t.kind === 'wipe-cert') onWipeCert(t.dockId, payload);
    else if (t.kind === 'device-log') onDeviceLog(t.dockId, payload);
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
      for (const set of writes.values()) await Promise.allSettled([...set]);
      await Promise.allSettled([...perClip.values()]);
      await client.endAsync();
      await asm.closeAll();
    },
  };
}
