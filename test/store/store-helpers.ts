// Fixtures for evidence-store tests: a store on a temp dir with a controllable clock, and real clips
// (shared/clip writer) put into the blob store and indexed the way central-store/ingest.ts does.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import type { BlobPort } from '../../central-store/blob/port.js';
import { storedPurpose } from '../../central-store/clip-stream.js';
import { openCentralDb, type Db } from '../../central-store/db.js';
import { EvidenceStore, type EvidenceStoreOptions } from '../../central-store/evidence.js';
import { hashFile } from '../../central-store/ingest-assembly.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import type { Index } from '../../central-store/index/port.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { insertClip } from '../../central-store/index/tables/clips.js';
import { signReceipt } from '../../central-store/storage-receipts.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { createLogger } from '../../shared/log.js';
import { plainSegment } from '../clip/helpers.js';

export const T0 = Date.parse('2026-03-02T00:00:00.000Z');
export const DAY = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();

export interface Fixture {
  dir: string; dbPath: string; db: Db; blobs: FsBlobStore; masterKey: Buffer;
  signing: { privateKey: KeyObject; publicKey: KeyObject };
  clock: { now: number };
  store: EvidenceStore;
  open(o?: Partial<EvidenceStoreOptions>): Promise<EvidenceStore>;
}

export async function makeStore(t: { teardown(fn: () => unknown): void }, o: Partial<EvidenceStoreOptions> = {}): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'evidence-'));
  const dbPath = path.join(dir, 'central.db');
  const db = openCentralDb(dbPath);
  const blobs = await FsBlobStore.open(path.join(dir, 'store'));
  const clock = { now: T0 };
  const f = {
    dir, dbPath, db, blobs, masterKey: Buffer.alloc(32, 7), signing: generateKeyPairSync('ed25519'), clock,
    async open(more: Partial<EvidenceStoreOptions> = {}) {
      const s = await EvidenceStore.open({ dir, db, blobs, masterKey: f.masterKey, signingKey: f.signing.privateKey, storeId: 'store-t',
        now: () => clock.now, log: createLogger('evidence', 'silent'), ...o, ...more });
      opened.push(s);
      return s;
    },
  } as Fixture;
  const opened: EvidenceStore[] = [];
  f.store = await f.open();
  t.teardown(async () => {
    for (const s of opened) { try { s.close(); } catch { /* closed by the test */ } }
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return f;
}

export interface Epoch { epochId: string; publicKeyPem: string }

/** A daily epoch starting at dayMs, made by the store's key custody. */
export async function epochAt(f: Fixture, dayMs: number, id = `epoch-${iso(dayMs).slice(0, 10)}`): Promise<Epoch> {
  const b = await f.store.keys.createEpoch({ epochId: id, notBefore: iso(dayMs), notAfter: iso(dayMs + DAY) });
  return { epochId: b.epochId, publicKeyPem: b.publicKeyPem };
}

/** Write a real clip, store its blob and index it as ingest does. Returns the plaintext. */
export async function addClip(f: { db: Db; index?: Index; blobs: BlobPort; signing: { privateKey: KeyObject } }, o: {
  epoch: Epoch; startedAt: number; purpose?: string | null; clipId?: string; segments?: number; finish?: boolean; deviceId?: string;
  /** When central received it (default: an hour after the start); earlier than startedAt = a camera clock running ahead. */
  receivedAt?: number;
  /** Real payloads (e.g. MPEG-TS pieces) instead of generated segments. */
  payloads?: Buffer[];
}): Promise<{ clipId: string; plaintext: Buffer; sha256: string }> {
  const clipId = o.clipId ?? `clip-${randomUUID()}`;
  const tmp = path.join(f.blobs.workDir(), `${clipId}.tmp`);
  const meta: Record<string, unknown> = { clipId, deviceId: o.deviceId ?? 'cam-1', startedAt: iso(o.startedAt) };
  if (o.purpose !== null) meta.purpose = o.purpose ?? 'crime-prevention';
  const w = await ClipWriter.create(tmp, { meta: meta as never, epochId: o.epoch.epochId, publicKey: o.epoch.publicKeyPem, sync: false });
  const segs: Buffer[] = [];
  for (let i = 0; i < (o.payloads?.length ?? o.segments ?? 3); i++) {
    const data = o.payloads?.[i] ?? plainSegment(i, 2048, clipId);
    segs.push(data);
    await w.appendSegment({ startMs: i * 1000, durationMs: 1000, keyframe: i === 0, data });
  }
  if (o.finish === false) await w.abandon(); else await w.finish({ stopReason: 'test' });
  const sha256 = await hashFile(tmp);
  const bytes = (await import('node:fs')).statSync(tmp).size;
  await f.blobs.putFile(clipId, tmp);
  const ix = f.index ?? SqliteIndex.for(f.db);
  await ix.migrate(MIGRATIONS);
  const purpose = await storedPurpose(f.blobs, clipId);
  const receipt = signReceipt(f.signing.privateKey, { clipId, deviceId: o.deviceId ?? 'cam-1', sha256, bytes, storeId: 'store-t' });
  await ix.tx((u) => insertClip(u, {
    clip_id: clipId, device_id: o.deviceId ?? 'cam-1', dock_id: 'dock-1', bytes, sha256, epoch_id: o.epoch.epochId,
    clip_state: o.finish === false ? 'truncated' : 'closed', started_at: iso(o.startedAt), stopped_at: o.finish === false ? null : iso(o.startedAt + 3000),
    received_at: iso(o.receivedAt ?? o.startedAt + 3600_000), blob_key: clipId, receipt_json: JSON.stringify(receipt), worker_id: 'test',
    purpose,
  }));
  return { clipId, plaintext: Buffer.concat(segs), sha256 };
}

export async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Expect a StoreError with this code; returns its message. */
export async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try { await (typeof p === 'function' ? p() : p); } catch (err) { return `${(err as { code?: string }).code}: ${(err as Error).message}`; }
  return 'no error';
}

