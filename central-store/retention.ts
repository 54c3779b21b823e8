// Retention (docs/retention-and-keys.md): per-purpose days (default 14) counted from the clip's
// recording start. Deleting a clip = pending marker → blob overwrite+fsync+unlink → signed deletion
// receipt → index rows deleted (secure_delete). A crash at any point is finished by the next run, which
// starts by completing every pending marker. Then epoch keys nobody can need any more are destroyed.
import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { unwrapKey } from '../shared/clip/reader.js';
import type { Logger } from '../shared/log.js';
import type { BlobPort } from './blob/port.js';
import { readStoredHeader } from './clip-stream.js';
import type { DeletionReceipt, ReceiptBook } from './deletion-receipts.js';
import type { Index } from './index/port.js';
import { clipExists, clipsOfEpoch, deleteClipRow, expiredClips } from './index/tables/clips.js';
import { deleteHoldWrap, getHold, putHoldWrap } from './index/tables/holds.js';
import { deletePending, markDeletion, pendingDeletions, type Pending } from './index/tables/pending-deletions.js';
import type { KeyStore } from './keys.js';
import { StoreError, badInput } from './store-error.js';

export const DAY_MS = 86_400_000;
const days = z.number().int().min(1).max(30, 'at most 30 days (procedure [002]: longer only under an evidence hold)');
export const RetentionConfigSchema = z.object({
  defaultDays: days.default(14),
  perPurpose: z.record(z.string().min(1), days).default({}),
  /** Days after an epoch's notAfter that a camera without fresh epochs may still wrap clips to it. */
  staleEpochDays: z.number().int().min(0).max(30).default(1),
}).strict();
export type RetentionConfig = z.infer<typeof RetentionConfigSchema>;

export function parseRetention(v: unknown): RetentionConfig {
  const r = RetentionConfigSchema.safeParse(v ?? {});
  if (!r.success) throw badInput(r.error.issues.map((i) => ({ ...i, path: ['retention', ...i.path] })));
  return r.data;
}

export const retentionDays = (c: RetentionConfig, purpose: string | null | undefined) =>
  (purpose != null && Object.hasOwn(c.perPurpose, purpose) ? c.perPurpose[purpose]! : c.defaultDays);
export const ruleFor = (c: RetentionConfig, purpose: string | null | undefined) =>
  `retention:${purpose != null && Object.hasOwn(c.perPurpose, purpose) ? purpose : 'default'}:${retentionDays(c, purpose)}d`;

/**
 * When a clip's retention runs out (ms): counted from the recording start, never later than receipt, and
 * from receipt when the camera's clock was far off. The rule index/tables/clips.ts expiredClips applies in SQL.
 */
export function clipDeadlineMs(c: RetentionConfig, clip: { purpose: string | null | undefined; startedMs: number; receivedMs: number; clockNote: string | null | undefined }): number {
  const base = Number.isFinite(clip.startedMs) && !clip.clockNote ? Math.min(clip.startedMs, clip.receivedMs) : clip.receivedMs;
  return base + retentionDays(c, clip.purpose) * DAY_MS;
}

export interface RetentionCtx {
  index: Index; blobs: BlobPort; receipts: ReceiptBook; keys: KeyStore; cfg: RetentionConfig; now: () => number; log: Logger;
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => { while (i < items.length) await fn(items[i++]!); }));
}

const BATCH = 500;

/**
 * Finish deletions whose marker is written: blob, receipt (listing the steps the blob store really
 * did), index rows. Safe to repeat. A clip whose blob could not be destroyed keeps its marker, gets no
 * receipt and is retried by the next run; the error names it after the others are finished.
 */
async function complete(ctx: RetentionCtx, items: Pending[]): Promise<DeletionReceipt[]> {
  const steps = new Map<string, string[]>();
  const failed: { clipId: string; err: unknown }[] = [];
  const destroy = async (p: Pending) => {
    try { return await ctx.blobs.destroy(p.blob_key); } catch (err) {
      if ((err as { code?: string }).code !== 'on-hold') throw err;
      // Marked for deletion means the index holds it no more: a blob hold left behind by a failed lift goes now.
      ctx.log.warn({ clipId: p.clip_id }, 'blob still held though the index hold is lifted; lifting it before deletion');
      await ctx.blobs.setHold(p.blob_key, false);
      return ctx.blobs.destroy(p.blob_key);
    }
  };
  await pool(items, 16, async (p) => {
    try { steps.set(p.clip_id, await destroy(p)); } catch (err) { failed.push({ clipId: p.clip_id, err }); }
  });
  const done = items.filter((p) => steps.has(p.clip_id));
  const receipts = await ctx.receipts.recordDeletions(done.map((p) => ({ clipId: p.clip_id, sha256: p.sha256, bytes: p.bytes, rule: p.rule, by: p.by, requestedAt: p.requested_at,
    steps: [...steps.get(p.clip_id)!, 'index-delete'] })), new Date(ctx.now()).toISOString());
  await ctx.index.tx(async (u) => {
    for (const p of done) { await deleteClipRow(u, p.clip_id); await deleteHoldWrap(u, p.clip_id); await deletePending(u, p.clip_id); }
  });
  if (failed.length) {
    for (const f of failed) ctx.log.error({ clipId: f.clipId, err: String(f.err) }, 'blob destroy failed; deletion stays pending and is retried');
    const first = failed[0]!;
    throw Object.assign(new Error(`deletion of ${failed.length} clip(s) not finished (retried next run): ${first.clipId}: ${(first.err as Error)?.message ?? String(first.err)}`),
      { code: (first.err as { code?: string })?.code, receipts });
  }
  return receipts;
}

/** Write deletion markers for these clips unless held (atomic with the hold check); returns the marked ones. */
function mark(ctx: RetentionCtx, rows: { clip_id: string; rule: string }[], by: string): Promise<Pending[]> {
  const at = new Date(ctx.now()).toISOString();
  return ctx.index.tx(async (u) => {
    const out: Pending[] = [];
    for (const r of rows) { const p = await markDeletion(u, r.clip_id, r.rule, by, at); if (p) out.push(p); }
    return out;
  });
}

/** Delete one clip now (not held). */
export async function deleteOne(ctx: RetentionCtx, clipId: string, by: string): Promise<DeletionReceipt> {
  const p = await ctx.index.tx(async (u) => {
    if (!await clipExists(u, clipId)) throw new StoreError('not-found', `clip ${clipId}: not in the store`);
    const held = await getHold(u, clipId);
    if (held) throw new StoreError('on-hold', `clip ${clipId}: on hold (case ${held.caseNumber}); lift the hold first`);
    return markDeletion(u, clipId, 'manual', by, new Date(ctx.now()).toISOString());
  });
  if (!p) throw new StoreError('on-hold', `clip ${clipId}: on hold; lift the hold first`);
  return (await complete(ctx, [p]))[0]!;
}

/** Every expired, unheld clip is deleted; interrupted deletions are finished first. */
export async function sweepExpired(ctx: RetentionCtx): Promise<DeletionReceipt[]> {
  const out: DeletionReceipt[] = [];
  const pending = () => ctx.index.tx((u) => pendingDeletions(u, BATCH));
  for (let p = await pending(); p.length; p = await pending()) out.push(...await complete(ctx, p));
  // One scan for the whole run (ids only), then batches: re-scanning per batch is quadratic.
  const all = await ctx.index.tx((u) => expiredClips(u, ctx.cfg, new Date(ctx.now()).toISOString()));
  for (let i = 0; i < all.length; i += BATCH) {
    const rows = all.slice(i, i + BATCH);
    const marked = await mark(ctx, rows.map((r) => ({ clip_id: r.clip_id, rule: ruleFor(ctx.cfg, r.purpose) })), 'retention-job');
    out.push(...await complete(ctx, marked));
  }
  return out;
}

/**
 * Destroy epoch keys no clip can need: the epoch's window plus the stale grace plus the longest
 * retention has passed (a clip not yet offloaded would also be expired by now), and every clip still
 * indexed under it is on hold — those get their data key re-wrapped to the hold key first.
 */
export async function destroyEpochKeys(ctx: RetentionCtx): Promise<string[]> {
  const destroyed: string[] = [];
  const maxDays = Math.max(ctx.cfg.defaultDays, ...Object.values(ctx.cfg.perPurpose));
  const now = ctx.now();
  for (const e of await ctx.keys.list('epoch')) {
    if (e.destroyedAt || !e.notAfter) continue;
    if (now < Date.parse(e.notAfter) + (ctx.cfg.staleEpochDays + maxDays) * DAY_MS) continue;
    const rows = await ctx.index.tx((u) => clipsOfEpoch(u, e.name));
    const open = rows.filter((r) => !r.held && !r.wrapped);
    if (open.length) {
      ctx.log.warn({ epochId: e.name, clips: open.length }, 'epoch past retention still has unheld clips; key kept');
      continue;
    }
    const hold = await ctx.keys.holdKey();
    const epochKey = await ctx.keys.privateKey(e.name).catch(() => null);
    try {
      if (!epochKey) throw new Error(`epoch key ${e.name} cannot be opened`);
      for (const r of rows.filter((x) => !x.wrapped)) {
        const h = await readStoredHeader(ctx.blobs, r.blob_key);
        const dataKey = unwrapKey(h, epochKey);
        try {
          const wrapped = publicEncrypt({ key: hold.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
          await ctx.index.tx((u) => putHoldWrap(u, r.clip_id, hold.name, wrapped, new Date(now).toISOString()));
        } finally { dataKey.fill(0); }
      }
    } catch (err) {
      // A held clip we cannot re-wrap (blob unreadable or damaged) keeps its epoch key: never lose held evidence.
      ctx.log.error({ epochId: e.name, err: String(err) }, 'hold re-wrap failed; epoch key kept');
      continue;
    }
    await ctx.keys.destroy(e.name, `epoch ended ${e.notAfter}; +${ctx.cfg.staleEpochDays}d stale +${maxDays}d retention passed; ${rows.length} held clip(s) re-wrapped`);
    destroyed.push(e.name);
  }
  return destroyed;
}

/** Data key of a held clip from its hold re-wrap (the hold private key: KeyStore.privateKey(wrap.keyName)). */
export function unwrapHoldKey(holdKey: KeyObject, wrapped: Buffer): Buffer {
  return privateDecrypt({ key: holdKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
}
