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
import { migrate, type Db } from './db.js';
import type { DeletionReceipt, ReceiptBook } from './deletion-receipts.js';
import { putHoldWrap } from './holds.js';
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

const MIGRATION = `
CREATE TABLE pending_deletions (
  clip_id TEXT PRIMARY KEY,
  blob_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  rule TEXT NOT NULL,
  by TEXT NOT NULL,
  requested_at TEXT NOT NULL
);`;
export function migrateRetention(db: Db): void {
  migrate(db, 'evidence-retention-1', MIGRATION);
  migrate(db, 'evidence-retention-2', 'CREATE INDEX IF NOT EXISTS clips_started ON clips(started_at); CREATE INDEX IF NOT EXISTS clips_epoch ON clips(epoch_id)');
}

/** SQL day count for a row's purpose, with its parameters (julianday arithmetic is in days). */
function daysSql(c: RetentionConfig): { sql: string; params: (string | number)[] } {
  const entries = Object.entries(c.perPurpose);
  if (!entries.length) return { sql: '?', params: [c.defaultDays] };
  return { sql: `CASE c.purpose ${entries.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ? END`, params: [...entries.flat(), c.defaultDays] };
}

export interface RetentionCtx {
  db: Db; blobs: BlobPort; receipts: ReceiptBook; keys: KeyStore; cfg: RetentionConfig; now: () => number; log: Logger;
}

interface Pending { clip_id: string; blob_key: string; sha256: string; bytes: number; rule: string; by: string; requested_at: string }

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
  const receipts = ctx.receipts.recordDeletions(done.map((p) => ({ clipId: p.clip_id, sha256: p.sha256, bytes: p.bytes, rule: p.rule, by: p.by, requestedAt: p.requested_at,
    steps: [...steps.get(p.clip_id)!, 'index-delete'] })), new Date(ctx.now()).toISOString());
  const del = ['clips', 'hold_wraps', 'pending_deletions'].map((t) => ctx.db.prepare(`DELETE FROM ${t} WHERE clip_id = ?`));
  ctx.db.transaction(() => { for (const p of done) for (const d of del) d.run(p.clip_id); })();
  if (failed.length) {
    for (const f of failed) ctx.log.error({ clipId: f.clipId, err: String(f.err) }, 'blob destroy failed; deletion stays pending and is retried');
    const first = failed[0]!;
    throw Object.assign(new Error(`deletion of ${failed.length} clip(s) not finished (retried next run): ${first.clipId}: ${(first.err as Error)?.message ?? String(first.err)}`),
      { code: (first.err as { code?: string })?.code, receipts });
  }
  return receipts;
}

/** Write deletion markers for these clips unless held (atomic with the hold check); returns the marked ones. */
function mark(ctx: RetentionCtx, rows: { clip_id: string; rule: string }[], by: string): Pending[] {
  const ins = ctx.db.prepare(`INSERT OR IGNORE INTO pending_deletions (clip_id, blob_key, sha256, bytes, rule, by, requested_at)
    SELECT clip_id, blob_key, sha256, bytes, ?, ?, ? FROM clips c WHERE clip_id = ? AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.clip_id = c.clip_id)`);
  const get = ctx.db.prepare('SELECT clip_id, blob_key, sha256, bytes, rule, by, requested_at FROM pending_deletions WHERE clip_id = ?');
  const at = new Date(ctx.now()).toISOString();
  return ctx.db.transaction(() => rows.flatMap((r) => {
    ins.run(r.rule, by, at, r.clip_id);
    const p = get.get(r.clip_id) as Pending | undefined;
    return p ? [p] : [];
  }))();
}

/** Delete one clip now (not held). */
export async function deleteOne(ctx: RetentionCtx, clipId: string, by: string): Promise<DeletionReceipt> {
  if (!ctx.db.prepare('SELECT 1 FROM clips WHERE clip_id = ?').get(clipId)) throw new StoreError('not-found', `clip ${clipId}: not in the store`);
  const held = ctx.db.prepare('SELECT case_number FROM holds WHERE clip_id = ?').get(clipId) as { case_number: string } | undefined;
  if (held) throw new StoreError('on-hold', `clip ${clipId}: on hold (case ${held.case_number}); lift the hold first`);
  const p = mark(ctx, [{ clip_id: clipId, rule: 'manual' }], by);
  if (!p.length) throw new StoreError('on-hold', `clip ${clipId}: on hold; lift the hold first`);
  return (await complete(ctx, p))[0]!;
}

/** Every expired, unheld clip is deleted; interrupted deletions are finished first. */
export async function sweepExpired(ctx: RetentionCtx): Promise<DeletionReceipt[]> {
  const out: DeletionReceipt[] = [];
  const pending = ctx.db.prepare('SELECT clip_id, blob_key, sha256, bytes, rule, by, requested_at FROM pending_deletions ORDER BY requested_at LIMIT ?');
  for (let p = pending.all(BATCH) as Pending[]; p.length; p = pending.all(BATCH) as Pending[]) out.push(...await complete(ctx, p));
  const d = daysSql(ctx.cfg);
  const expired = ctx.db.prepare(`SELECT c.clip_id, c.purpose FROM clips c
    WHERE (CASE WHEN c.clock_note IS NOT NULL THEN julianday(c.received_at)
      ELSE min(coalesce(julianday(c.started_at), julianday(c.received_at)), julianday(c.received_at)) END) + ${d.sql} <= julianday(?)
      AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.clip_id = c.clip_id)`);
  // One scan for the whole run (ids only), then batches: re-scanning per batch is quadratic.
  const all = expired.all(...d.params, new Date(ctx.now()).toISOString()) as { clip_id: string; purpose: string | null }[];
  for (let i = 0; i < all.length; i += BATCH) {
    const rows = all.slice(i, i + BATCH);
    const marked = mark(ctx, rows.map((r) => ({ clip_id: r.clip_id, rule: ruleFor(ctx.cfg, r.purpose) })), 'retention-job');
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
    const rows = ctx.db.prepare(`SELECT c.clip_id, c.blob_key, h.clip_id AS held, w.clip_id AS wrapped FROM clips c
      LEFT JOIN holds h ON h.clip_id = c.clip_id LEFT JOIN hold_wraps w ON w.clip_id = c.clip_id WHERE c.epoch_id = ?`).all(e.name) as
      { clip_id: string; blob_key: string; held: string | null; wrapped: string | null }[];
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
          putHoldWrap(ctx.db, r.clip_id, hold.name, wrapped, new Date(now).toISOString());
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
