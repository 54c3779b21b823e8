// Ingest of one clip, on its meta (docs/mqtt-topics.md): who forwarded it is checked, the assembled
// chunks are verified against the camera's signature, and only then is the blob stored, the clip indexed
// from its signed facts and a receipt signed. Every step is idempotent by clip id.
import { createHash, type KeyLike } from 'node:crypto';
import { ClipError } from '../shared/clip/reader.js';
import { verifyClipFile, type SignedFacts } from '../shared/clip/signature.js';
import type { SignedDocument } from '../shared/evidence.js';
import { metaFacts, missingRanges, type ClipMeta, type Status } from '../shared/mqtt/codec.js';
import type { Logger } from '../shared/log.js';
import { NotFromDockError, verifyDockAuth, type AuthTrust, type VerifiedAuth } from '../shared/mqtt/dock-auth.js';
import type { BlobPort } from './blob/port.js';
import { clockNote } from './clock-note.js';
import { clipDeadlineMs, type RetentionConfig } from './retention.js';
import type { Index } from './index/port.js';
import { rememberCameraCert } from './index/tables/camera-certs.js';
import { getClip, insertClip, type ClipRow } from './index/tables/clips.js';
import type { Assembler } from './ingest-assembly.js';
import type { IngestFlow } from './ingest-flow.js';
import type { Incident } from './ingest-records.js';
import { addCameraMarkers } from './index/tables/markers.js';
import { judgeFoundBlob } from './ingest-found-blob.js';
import { underPutClaim } from './ingest-put-claim.js';
import { NODE_ID } from './run-once.js';
import { signReceipt } from './storage-receipts.js';

/** Partial uploads are kept apart per dock: another dock's bytes under the same clip id never mix in. */
export const asmId = (dockId: string, clipId: string) => `${dockId}.${clipId}`;

export interface ClipIngestContext {
  index: Index;
  blobs: BlobPort;
  asm: Assembler;
  flow: IngestFlow;
  trust: AuthTrust;
  /** The central store's private signing key (Ed25519). */
  receiptKey: KeyLike;
  storeId: string;
  workerId: string;
  onStored?: (row: ClipRow) => void;
  /** A clip put claim's life (ingest-put-claim.ts; default 60 s). */
  putClaimMs?: number;
  /** Retention rules: each new blob's retain-until is then its clip's deadline (S3 GOVERNANCE); else the blob store's default. */
  retention?: RetentionConfig;
  incident: Incident;
  log: Logger;
}

export function clipIngest(c: ClipIngestContext): (dockId: string, meta: ClipMeta) => Promise<Status | null> {
  /** What the clip itself proves, checked against who forwarded it; throws naming what is wrong. */
  const checkFacts = (f: SignedFacts, meta: ClipMeta, auth: VerifiedAuth): void => {
    const m = f.header.meta;
    if (m.clipId !== meta.clipId) throw new ClipError('bad-header', `the signed clip is ${String(m.clipId)}, uploaded as ${meta.clipId}`);
    if (m.deviceId !== auth.camera.id) throw new ClipError('bad-header', `the signed clip names device ${String(m.deviceId)}, sealed by ${auth.camera.id}'s key`);
    if (typeof m.startedAt !== 'string' || Number.isNaN(Date.parse(m.startedAt))) throw new ClipError('bad-header', 'the signed startedAt is not a time');
  };

  /** The signed times, and whether the camera's clock was far off, for a clip received at `receivedMs`. */
  const timesOf = (f: SignedFacts, auth: VerifiedAuth, receivedMs: number) => {
    const startedMs = Date.parse(f.header.meta.startedAt);
    const stoppedMs = f.endMs > 0 ? f.endMs : null;
    return { startedMs, stoppedMs, note: clockNote(startedMs, stoppedMs, receivedMs, Date.parse(auth.camera.cert.validFrom)) };
  };

  /** The new blob's retain-until: the clip's deadline (the index's rule), unless already past (S3 takes no past date; the default then). */
  const retainUntil = (f: SignedFacts, auth: VerifiedAuth, receivedMs: number): Date | undefined => {
    if (!c.retention) return undefined;
    const t = timesOf(f, auth, receivedMs);
    const purpose = typeof f.header.meta.purpose === 'string' && f.header.meta.purpose ? f.header.meta.purpose : null;
    const at = clipDeadlineMs(c.retention, { purpose, startedMs: t.startedMs, receivedMs, clockNote: t.note });
    return at > Date.now() + 60_000 ? new Date(at) : undefined;
  };

  /** Index the signed facts (never the meta's) and sign the receipt. */
  const storeClip = async (meta: ClipMeta, blobKey: string, f: SignedFacts, auth: VerifiedAuth, certB64: string, receivedMs = Date.now()): Promise<ClipRow> => {
    const m = f.header.meta;
    const receipt = signReceipt(c.receiptKey, { clipId: m.clipId, deviceId: auth.camera.id, sha256: meta.sha256, bytes: meta.bytes, storeId: c.storeId });
    const { startedMs, stoppedMs, note } = timesOf(f, auth, receivedMs);
    if (note) c.log.warn({ clipId: m.clipId, deviceId: auth.camera.id, note }, 'camera clock far off');
    // The certificate and the clip's row commit together: a stored clip always has its certificate.
    const row = await c.index.tx(async (u) => { await rememberCameraCert(u, auth.cameraCertSha256, auth.camera.id, certB64); return insertClip(u, {
      clip_id: m.clipId, device_id: auth.camera.id, dock_id: auth.dock.id, bytes: meta.bytes, sha256: meta.sha256,
      epoch_id: f.header.epochId, clip_state: f.closed ? 'closed' : 'truncated', started_at: new Date(startedMs).toISOString(),
      stopped_at: stoppedMs === null ? null : new Date(stoppedMs).toISOString(), received_at: new Date(receivedMs).toISOString(),
      blob_key: blobKey, receipt_json: JSON.stringify(receipt), worker_id: c.workerId,
      purpose: typeof m.purpose === 'string' && m.purpose ? m.purpose : null, camera_cert_sha256: auth.cameraCertSha256, clock_note: note,
    }); });
    // Another worker may have indexed the same clip a moment earlier (its row, its receipt, stands).
    if (row.receipt_json === JSON.stringify(receipt)) {
      await c.index.tx((u) => addCameraMarkers(u, m.clipId, f.markers));
      c.onStored?.(row);
    }
    return row;
  };

  const claim = { index: c.index, holder: `${NODE_ID}/${c.workerId}`, ttlMs: c.putClaimMs, log: c.log };

  const reject = (meta: ClipMeta, reason: string): Status => ({ v: 1, clipId: meta.clipId, req: meta.req, state: 'rejected', reason });

  // Only authentic clips are ever indexed, so the stored one is the real one: a different upload under its
  // id is an incident and gets no receipt, whoever sent it first.
  const answerStored = async (row: ClipRow, meta: ClipMeta, auth: VerifiedAuth): Promise<Status> => {
    if (row.sha256 === meta.sha256 && row.bytes === meta.bytes) {
      return { v: 1, clipId: meta.clipId, req: meta.req, state: 'complete', receipt: JSON.parse(row.receipt_json) as SignedDocument };
    }
    await c.incident({ kind: 'clip-conflict', dockId: auth.dock.id, deviceId: auth.camera.id, clipId: meta.clipId, reason: `upload of sha256 ${meta.sha256} (${meta.bytes} bytes) under an id stored with ${row.sha256}` });
    return reject(meta, 'clip id already stored with a different sha256/bytes (an authentic clip holds this id; incident logged)');
  };

  const refuseClip = async (meta: ClipMeta, auth: VerifiedAuth, aid: string, err: unknown): Promise<Status> => {
    await c.asm.discard(aid, meta.chunkSize);
    const reason = (err as Error).message;
    await c.incident({ kind: 'clip-refused', dockId: auth.dock.id, deviceId: auth.camera.id, clipId: meta.clipId, reason });
    return reject(meta, `clip refused: ${reason}`);
  };

  /**
   * A clip's meta: verify who forwarded it, then index it, or say which chunks are missing, or refuse it.
   * null: not shown to come from the dock, so not answered (an incident only): its req may be the dock's own.
   */
  return async (dockId: string, meta: ClipMeta): Promise<Status | null> => {
    let auth: VerifiedAuth;
    try {
      auth = verifyDockAuth(meta, 'upload', metaFacts(meta), dockId, c.trust);
    } catch (err) {
      await c.incident({ kind: 'upload-refused', dockId, clipId: meta.clipId, reason: (err as Error).message });
      if (err instanceof NotFromDockError) return null;
      return reject(meta, `upload refused: ${(err as Error).message}`);
    }
    const aid = asmId(dockId, meta.clipId);
    // Chunks that arrived before this meta are still being written: let them land first.
    await c.flow.written(aid);
    const stored = await c.index.tx((u) => getClip(u, meta.clipId));
    if (stored) return answerStored(stored, meta, auth);
    const key = meta.clipId;
    if (await c.blobs.exists(key)) {
      // Crashed between blob put and index insert, or another node is indexing it now: judged by its
      // own signature, never by this meta (ingest-found-blob.ts).
      const found = await judgeFoundBlob(c.index, c.blobs, key, meta, auth);
      if (found.kind === 'these') {
        await c.asm.discard(aid, meta.chunkSize);
        try { checkFacts(found.facts, meta, auth); } catch (err) {
          await c.blobs.destroy(key);
          return refuseClip(meta, auth, aid, err);
        }
        return answerStored(await storeClip(meta, key, found.facts, auth, meta.cameraCert), meta, auth);
      }
      if (found.kind === 'keep') {
        const again = await c.index.tx((u) => getClip(u, meta.clipId));
        if (again) return answerStored(again, meta, auth);
        await c.incident({ kind: 'clip-conflict', dockId: auth.dock.id, deviceId: auth.camera.id, clipId: meta.clipId, reason: `upload of sha256 ${meta.sha256} (${meta.bytes} bytes) under an id whose stored blob is kept: ${found.reason}` });
        return reject(meta, 'clip id already holds another clip (kept; incident logged)');
      }
      c.log.warn({ clipId: meta.clipId, reason: found.reason }, 'blob under the clip id is no clip: destroyed');
      await c.blobs.destroy(key);
    }
    const have = await c.asm.have(aid, meta.chunkSize);
    const missing = missingRanges(meta.chunkCount, (i) => have.has(i));
    if (missing.length) return { v: 1, clipId: meta.clipId, req: meta.req, state: 'missing', missing, have: have.size };
    // The camera's signature walk reads the file back after fsync; its SHA-256 is the hash checked.
    const r = await c.asm.finalize(aid, meta.chunkSize, meta.bytes, meta.sha256, (path) => verifyClipFile(path, auth.camera.cert.publicKey));
    if (!r.ok && 'bad' in r) return { v: 1, clipId: meta.clipId, req: meta.req, state: 'missing', missing: missingRanges(meta.chunkCount, (i) => !r.bad.includes(i)), have: have.size - r.bad.length };
    if (!r.ok) {
      await c.asm.discard(aid, meta.chunkSize);
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
    // Received when the verified clip is whole here: its retain-until and its row count from the same time.
    const receivedMs = Date.now();
    // One putter per clip across nodes (a dock lease changing hands mid-put): another live claim means no
    // answer now; the put's own existence check below runs under the claim, so a put finished and
    // released a moment ago is found, not put again.
    const row = await underPutClaim(claim, meta.clipId, async () => {
      const put = await c.blobs.putFile(key, r.path, { retainUntil: retainUntil(facts, auth, receivedMs) });
      if (put.existed) {
        // Another writer stored this key between the check above and the put: index it only if it is
        // these very bytes. Otherwise no answer; the dock's next ask takes the check above.
        const h = createHash('sha256');
        for await (const b of c.blobs.read(key)) h.update(b as Buffer);
        if (h.digest('hex') !== meta.sha256) throw new Error(`clip ${meta.clipId}: another upload stored different bytes under its key meanwhile`);
      }
      return storeClip(meta, key, facts, auth, meta.cameraCert, receivedMs);
    });
    await c.asm.discard(aid, meta.chunkSize);
    c.log.info({ clipId: meta.clipId, bytes: meta.bytes, frames: facts.frames, closed: facts.closed }, 'clip stored');
    return answerStored(row, meta, auth);
  };
}
