// The central store's ingest worker: receives chunks over MQTT, assembles and verifies them, stores
// the blob durably, indexes it and answers with a signed receipt. Several workers may share one broker
// (shared subscription) and one work directory; every step is idempotent by clip id.
import type { KeyLike } from 'node:crypto';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { openDocument, type DeviceLogHeadBody, type SignedDocument, type WipeCertificateBody } from '../shared/evidence.js';
import { verifyChain } from '../shared/device-log-chain.js';
import { createLogger, type Logger } from '../shared/log.js';
import {
  ClipMetaSchema, DeviceLogMessageSchema, WipeCertMessageSchema, decodeChunk, decodeJson, deviceLogFacts, docRef, encodeJson, metaFacts,
  missingRanges, wipeCertFacts,
  type Ack, type ClipMeta, type Status,
} from '../shared/mqtt/codec.js';
import { connectMqtt, type MqttEndpoint } from '../shared/mqtt/connect.js';
import { centralFilters, parseTopic, topics } from '../shared/mqtt/topics.js';
import type { BlobStore } from './blob-store.js';
import { addCameraMarkers, migrateMarkers } from './markers.js';
import { getClip, insertClip, insertWipeCert, storeDeviceLog, migrateIngest, recordIncident, rememberCameraCert, type ClipRow } from './clips-index.js';
import { clockNote } from './clock-note.js';
import { verifyDockAuth, type AuthTrust, type VerifiedAuth } from '../shared/mqtt/dock-auth.js';
import { ClipError } from '../shared/clip/reader.js';
import { verifyClipFile, verifyClipStream, type SignedFacts } from '../shared/clip/signature.js';
import type { Db } from './db.js';
import { Assembler } from './ingest-assembly.js';
import { signReceipt } from './storage-receipts.js';
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
  /** The organisation CA certificate (PEM) camera and dock certificates are verified to; default: the broker endpoint's CA. */
  caCertPem?: string | Buffer;
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

export async function startIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? createLogger(`ingest-${opts.workerId}`);
  migrateIngest(opts.db);
  migrateMarkers(opts.db);
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

  const trust: AuthTrust = { caCertPem: String(opts.caCertPem ?? opts.mqtt.tls.ca), revocation: opts.revocation };
  const incident = (i: Parameters<typeof recordIncident>[1]) => {
    log.warn({ incident: i.kind, dockId: i.dockId, deviceId: i.deviceId, clipId: i.clipId, reason: i.reason }, 'ingest incident');
    recordIncident(opts.db, i);
  };
  /** Partial uploads are kept apart per dock: another dock's bytes under the same clip id never mix in. */
  const asmId = (dockId: string, clipId: string) => `${dockId}.${clipId}`;

  /** What the clip itself proves, checked against who forwarded it; throws naming what is wrong. */
  const checkFacts = (f: SignedFacts, meta: ClipMeta, auth: VerifiedAuth): void => {
    const m = f.header.meta;
    if (m.clipId !== meta.clipId) throw new ClipError('bad-header', `the signed clip is ${String(m.clipId)}, uploaded as ${meta.clipId}`);
    if (m.deviceId !== auth.camera.id) throw new ClipError('bad-header', `the signed clip names device ${String(m.deviceId)}, sealed by ${auth.camera.id}'s key`);
    if (typeof m.startedAt !== 'string' || Number.isNaN(Date.parse(m.startedAt))) throw new ClipError('bad-header', 'the signed startedAt is not a time');
  };

  /** Index the signed facts (never the meta's) and sign the receipt. */
  const storeClip = async (meta: ClipMeta, blobKey: string, f: SignedFacts, auth: VerifiedAuth, certB64: string): Promise<ClipRow> => {
    const m = f.header.meta;
    const receivedMs = Date.now();
    const startedMs = Date.parse(m.startedAt);
    const stoppedMs = f.endMs > 0 ? f.endMs : null;
    const receipt = signReceipt(opts.receiptKey, { clipId: m.clipId, deviceId: auth.camera.id, sha256: meta.sha256, bytes: meta.bytes, storeId: opts.storeId });
    const note = clockNote(startedMs, stoppedMs, receivedMs, Date.parse(auth.camera.cert.validFrom));
    if (note) log.warn({ clipId: m.clipId, deviceId: auth.camera.id, note }, 'camera clock far off');
    rememberCameraCert(opts.db, auth.cameraCertSha256, auth.camera.id, certB64);
    const row = insertClip(opts.db, {
      clip_id: m.clipId, device_id: auth.camera.id, dock_id: auth.dock.id, bytes: meta.bytes, sha256: meta.sha256,
      epoch_id: f.header.epochId, clip_state: f.closed ? 'closed' : 'truncated', started_at: new Date(startedMs).toISOString(),
      stopped_at: stoppedMs === null ? null : new Date(stoppedMs).toISOString(), received_at: new Date(receivedMs).toISOString(),
      blob_key: blobKey, receipt_json: JSON.stringify(receipt), worker_id: opts.workerId,
      purpose: typeof m.purpose === 'string' && m.purpose ? m.purpose : null, camera_cert_sha256: auth.cameraCertSha256, clock_note: note,
    });
    // Another worker may have indexed the same clip a moment earlier (its row, its receipt, stands).
    if (row.receipt_json === JSON.stringify(receipt)) {
      addCameraMarkers(opts.db, m.clipId, f.markers);
      opts.onStored?.(row);
    }
    return row;
  };

  const reject = (meta: ClipMeta, reason: string): Status => ({ v: 1, clipId: meta.clipId, req: meta.req, state: 'rejected', reason });

  // Only authentic clips are ever indexed, so the stored one is the real one: a different upload under its
  // id is an incident and gets no receipt, whoever sent it first.
  const answerStored = (row: ClipRow, meta: ClipMeta, auth: VerifiedAuth): Status => {
    if (row.sha256 === meta.sha256 && row.bytes === meta.bytes) {
      return { v: 1, clipId: meta.clipId, req: meta.req, state: 'complete', receipt: JSON.parse(row.receipt_json) as SignedDocument };
    }
    incident({ kind: 'clip-conflict', dockId: auth.dock.id, deviceId: auth.camera.id, clipId: meta.clipId, reason: `upload of sha256 ${meta.sha256} (${meta.bytes} bytes) under an id stored with ${row.sha256}` });
    return reject(meta, 'clip id already stored with a different sha256/bytes (an authentic clip holds this id; incident logged)');
  };

  const refuseClip = async (meta: ClipMeta, auth: VerifiedAuth, aid: string, err: unknown): Promise<Status> => {
    await asm.discard(aid, meta.chunkSize);
    const reason = (err as Error).message;
    incident({ kind: 'clip-refused', dockId: auth.dock.id, deviceId: auth.camera.id, clipId: meta.clipId, reason });
    return reject(meta, `clip refused: ${reason}`);
  };

  const handleMeta = async (dockId: string, meta: ClipMeta): Promise<Status> => {
    let auth: VerifiedAuth;
    try {
      auth = verifyDockAuth(meta, 'upload', metaFacts(meta), dockId, trust);
    } catch (err) {
      incident({ kind: 'upload-refused', dockId, clipId: meta.clipId, reason: (err as Error).message });
      return reject(meta, `upload refused: ${(err as Error).message}`);
    }
    const aid = asmId(dockId, meta.clipId);
    // Chunks that arrived before this meta are still being written: let them land first.
    while (writes.get(aid)?.size) await Promise.allSettled([...writes.get(aid)!]);
    const stored = getClip(opts.db, meta.clipId);
    if (stored) return answerStored(stored, meta, auth);
    const key = meta.clipId;
    if (await opts.blobs.has(key)) {
      // Crashed between blob rename and index insert: the blob is there; check it and index it.
      const h = createHash('sha256');
      for await (const b of opts.blobs.read(key)) h.update(b as Buffer);
      if (h.digest('hex') === meta.sha256) {
        await asm.discard(aid, meta.chunkSize);
        let facts: SignedFacts;
        try {
          facts = await verifyClipStream(opts.blobs.read(key), await opts.blobs.size(key), auth.camera.cert.publicKey);
          checkFacts(facts, meta, auth);
        } catch (err) {
          await opts.blobs.remove(key);
          return refuseClip(meta, auth, aid, err);
        }
        return answerStored(await storeClip(meta, key, facts, auth, meta.cameraCert), meta, auth);
      }
      await opts.blobs.remove(key);
    }
    const have = await asm.have(aid, meta.chunkSize);
    const missing = missingRanges(meta.chunkCount, (i) => have.has(i));
    if (missing.length) return { v: 1, clipId: meta.clipId, req: meta.req, state: 'missing', missing, have: have.size };
    // The camera's signature is checked on this thread while the worker hashes the same file.
    const r = await asm.finalize(aid, meta.chunkSize, meta.bytes, meta.sha256, (path) => verifyClipFile(path, auth.camera.cert.publicKey));
    if (!r.ok && 'bad' in r) return { v: 1, clipId: meta.clipId, req: meta.req, state: 'missing', missing: missingRanges(meta.chunkCount, (i) => !r.bad.includes(i)), have: have.size - r.bad.length };
    if (!r.ok) {
      await asm.discard(aid, meta.chunkSize);
      return reject(meta, 'sha256 in meta does not match the verified chunks');
    }
    // Before anything is stored, indexed or receipted.
    let facts: SignedFacts;
    try {
      if (r.alongside!.status === 'rejected') throw r.alongside!.reason;
      facts = r.alongside!.value;
      checkFacts(facts, meta, auth);
    } catch (err) {
      return refuseClip(meta, auth, aid, err);
    }
    await opts.blobs.putFile(key, r.path);
    const row = await storeClip(meta, key, facts, auth, meta.cameraCert);
    await asm.discard(aid, meta.chunkSize);
    log.info({ clipId: meta.clipId, bytes: meta.bytes, frames: facts.frames, closed: facts.closed }, 'clip stored');
    return answerStored(row, meta, auth);
  };

  const onMeta = (dockId: string, clipId: string, payload: Buffer) => {
    const meta = decodeJson(ClipMetaSchema, payload, 'meta');
    if (meta.dockId !== dockId || meta.clipId !== clipId) throw new Error('meta: dockId/clipId do not match the topic');
    // One meta at a time per clip in this worker; answered in the background so chunks keep flowing.
    const prev = perClip.get(clipId) ?? Promise.resolve();
    const next = prev.then(() => handleMeta(dockId, meta)).then(
      (status) => publish(topics.status(dockId, clipId), status),
      (err) => log.warn({ err: String(err), clipId }, 'meta handling failed; the dock will ask again'),
    ).then(() => { if (perClip.get(clipId) === next) perClip.delete(clipId); });
    perClip.set(clipId, next);
  };

  const onWipeCert = (dockId: string, payload: Buffer) => {
    const m = decodeJson(WipeCertMessageSchema, payload, 'wipe-cert');
    const ref = docRef(m.cert);
    const ack = (refused?: string) => void publish(topics.ack(dockId), { v: 1, kind: 'wipe-cert', clipId: m.clipId, ref, ...(refused ? { refused } : {}) });
    let body: WipeCertificateBody;
    let auth: VerifiedAuth;
    try {
      auth = verifyDockAuth(m, 'wipe-cert', wipeCertFacts(dockId, m), dockId, trust);
      if (auth.camera.id !== m.deviceId) throw new Error(`forwarded with ${auth.camera.id}'s certificate but names device ${m.deviceId}`);
      body = openDocument<WipeCertificateBody>(m.cert, auth.camera.cert.publicKey, 'wipe-certificate');
      if (body.deviceId !== auth.camera.id || body.clipId !== m.clipId) throw new Error(`certificate names ${String(body.deviceId)}/${String(body.clipId)}, the message ${m.deviceId}/${m.clipId}`);
    } catch (err) {
      incident({ kind: 'wipe-cert-refused', dockId, deviceId: m.deviceId, clipId: m.clipId, reason: (err as Error).message });
      return ack((err as Error).message);
    }
    const stored = getClip(opts.db, m.clipId);
    const receiptSha = stored ? createHash('sha256').update((JSON.parse(stored.receipt_json) as SignedDocument).body, 'utf8').digest('hex') : null;
    insertWipeCert(opts.db, {
      clipId: m.clipId, deviceId: auth.camera.id, dockId: auth.dock.id, certJson: JSON.stringify(m.cert),
      receiptMatches: receiptSha !== null && body.receiptSha256 === receiptSha && stored?.device_id === auth.camera.id, signatureVerified: true,
    });
    ack();
  };

  const onDeviceLog = (dockId: string, payload: Buffer) => {
    const m = decodeJson(DeviceLogMessageSchema, payload, 'device-log');
    const ref = docRef(m.head);
    const entries = [...m.entries].sort((a, b) => a.seq - b.seq);
    const top = entries[entries.length - 1]!.seq;
    const ack = (refused?: string) => void publish(topics.ack(dockId), { v: 1, kind: 'device-log', deviceId: m.deviceId, seq: top, ref, ...(refused ? { refused } : {}) });
    let auth: VerifiedAuth;
    try {
      auth = verifyDockAuth(m, 'device-log', deviceLogFacts(dockId, m), dockId, trust);
      if (auth.camera.id !== m.deviceId) throw new Error(`forwarded with ${auth.camera.id}'s certificate but names device ${m.deviceId}`);
      const head = openDocument<DeviceLogHeadBody>(m.head, auth.camera.cert.publicKey, 'device-log-head');
      if (head.deviceId !== auth.camera.id) throw new Error(`the signed head names device ${String(head.deviceId)}`);
      const chain = verifyChain(entries, entries[0]!.prevHash);
      if (!chain.ok) throw new Error(`entries do not form one chain (broken at seq ${chain.brokenAt})`);
      const last = entries[entries.length - 1]!;
      if (last.seq !== head.seq || last.hash !== head.hash) throw new Error(`entries end at seq ${last.seq}, the camera signed seq ${String(head.seq)}: not the camera's entries`);
    } catch (err) {
      incident({ kind: 'device-log-refused', dockId, deviceId: m.deviceId, reason: (err as Error).message });
      return ack((err as Error).message);
    }
    const r = storeDeviceLog(opts.db, auth.camera.id, auth.dock.id, entries.map((e) => ({ ...e, json: JSON.stringify(e) })));
    if (r.fork) {
      incident({ kind: 'device-log-fork', dockId, deviceId: auth.camera.id, reason: r.fork });
      return ack(r.fork);
    }
    if (r.gap) incident({ kind: 'device-log-gap', dockId, deviceId: auth.camera.id, reason: r.gap });
    ack();
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
      const aid = asmId(t.dockId, t.clipId);
      let set = writes.get(aid);
      if (!set) writes.set(aid, set = new Set());
      const p: Promise<void> = asm.writeChunk(aid, c).finally(() => {
        set.delete(p);
        if (!set.size && writes.get(aid) === set) writes.delete(aid);
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
