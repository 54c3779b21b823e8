// Evidence hold ("bevislås"): a held clip is never deleted, by retention or by hand. One active hold
// per clip (reason + case/journal number), lifted explicitly with a reason; every place/lift is kept
// in hold_events (who, when, why) — documentation that outlives the clip.
import { z } from 'zod';
import { LIMITS } from './input-limits.js';
import { migrate, type Db } from './db.js';
import { StoreError, badInput } from './store-error.js';

export interface Hold { reason: string; caseNumber: string; placedBy: string; placedAt: string }
export interface HoldEvent { clipId: string; action: 'place' | 'lift'; reason: string; caseNumber: string | null; by: string; at: string }

const MIGRATION = `
CREATE TABLE holds (
  clip_id TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  case_number TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL
);
CREATE TABLE hold_events (
  id INTEGER PRIMARY KEY,
  clip_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('place', 'lift')),
  reason TEXT NOT NULL,
  case_number TEXT,
  by TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX hold_events_clip ON hold_events(clip_id, id);
-- Data keys of held clips re-wrapped to the hold key before their epoch key is destroyed.
CREATE TABLE hold_wraps (
  clip_id TEXT PRIMARY KEY,
  key_name TEXT NOT NULL,
  wrapped_key BLOB NOT NULL,
  created_at TEXT NOT NULL
);
`;

export function migrateHolds(db: Db): void { migrate(db, 'evidence-holds-1', MIGRATION); }

const text = (max: number) => z.string().trim().min(1, 'required').max(max, `at most ${max} characters`);
const PlaceSchema = z.object({ reason: text(LIMITS.reason), caseNumber: text(LIMITS.caseNumber), by: text(200) });
const LiftSchema = z.object({ reason: text(LIMITS.reason), by: text(200) });

function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw badInput(r.error.issues);
  return r.data;
}

export function getHold(db: Db, clipId: string): Hold | null {
  const r = db.prepare('SELECT reason, case_number, placed_by, placed_at FROM holds WHERE clip_id = ?').get(clipId) as
    { reason: string; case_number: string; placed_by: string; placed_at: string } | undefined;
  return r ? { reason: r.reason, caseNumber: r.case_number, placedBy: r.placed_by, placedAt: r.placed_at } : null;
}

/** Place a hold; refused for an unknown clip, one already held, or one whose deletion has begun. */
export function placeHold(db: Db, clipId: string, h: { reason: string; caseNumber: string; by: string }, at: string): Hold {
  const v = parse(PlaceSchema, h);
  db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM clips WHERE clip_id = ?').get(clipId)) throw new StoreError('not-found', `clip ${clipId}: not in the store`);
    if (db.prepare('SELECT 1 FROM pending_deletions WHERE clip_id = ?').get(clipId)) throw new StoreError('deleting', `clip ${clipId}: deletion has already begun`);
    const held = getHold(db, clipId);
    if (held) throw new StoreError('on-hold', `clip ${clipId}: already on hold (case ${held.caseNumber}, placed by ${held.placedBy} at ${held.placedAt})`);
    db.prepare('INSERT INTO holds (clip_id, reason, case_number, placed_by, placed_at) VALUES (?, ?, ?, ?, ?)').run(clipId, v.reason, v.caseNumber, v.by, at);
    db.prepare("INSERT INTO hold_events (clip_id, action, reason, case_number, by, at) VALUES (?, 'place', ?, ?, ?, ?)").run(clipId, v.reason, v.caseNumber, v.by, at);
  })();
  return getHold(db, clipId)!;
}

export function liftHold(db: Db, clipId: string, h: { reason: string; by: string }, at: string): Hold {
  const v = parse(LiftSchema, h);
  return db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM clips WHERE clip_id = ?').get(clipId)) throw new StoreError('not-found', `clip ${clipId}: not in the store`);
    const held = getHold(db, clipId);
    if (!held) throw new StoreError('not-held', `clip ${clipId}: not on hold`);
    db.prepare('DELETE FROM holds WHERE clip_id = ?').run(clipId);
    db.prepare("INSERT INTO hold_events (clip_id, action, reason, case_number, by, at) VALUES (?, 'lift', ?, ?, ?, ?)").run(clipId, v.reason, held.caseNumber, v.by, at);
    return held;
  })();
}

export function holdHistory(db: Db, clipId?: string): HoldEvent[] {
  const rows = (clipId ? db.prepare('SELECT * FROM hold_events WHERE clip_id = ? ORDER BY id').all(clipId)
    : db.prepare('SELECT * FROM hold_events ORDER BY id').all()) as { clip_id: string; action: 'place' | 'lift'; reason: string; case_number: string | null; by: string; at: string }[];
  return rows.map((r) => ({ clipId: r.clip_id, action: r.action, reason: r.reason, caseNumber: r.case_number, by: r.by, at: r.at }));
}

export function getHoldWrap(db: Db, clipId: string): { keyName: string; wrappedKey: Buffer } | undefined {
  const r = db.prepare('SELECT key_name, wrapped_key FROM hold_wraps WHERE clip_id = ?').get(clipId) as { key_name: string; wrapped_key: Buffer } | undefined;
  return r ? { keyName: r.key_name, wrappedKey: r.wrapped_key } : undefined;
}

export function putHoldWrap(db: Db, clipId: string, keyName: string, wrappedKey: Buffer, at: string): void {
  db.prepare('INSERT OR IGNORE INTO hold_wraps (clip_id, key_name, wrapped_key, created_at) VALUES (?, ?, ?, ?)').run(clipId, keyName, wrappedKey, at);
}

/** Hold history of clips no longer in the store and not held, whose last event is before `cutoff`. */
export function purgeHoldEvents(db: Db, cutoff: string): number {
  return db.prepare(`DELETE FROM hold_events WHERE clip_id IN (SELECT clip_id FROM hold_events GROUP BY clip_id HAVING MAX(at) < ?)
    AND clip_id NOT IN (SELECT clip_id FROM clips) AND clip_id NOT IN (SELECT clip_id FROM holds)`).run(cutoff).changes;
}
