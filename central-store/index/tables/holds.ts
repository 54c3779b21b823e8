// Owner of `holds`, `hold_events` and `hold_wraps` (evidence hold, "bevislås"): a held clip is never
// deleted, by retention or by hand. One active hold per clip (reason + case/journal number), lifted
// explicitly with a reason; every place/lift is kept in hold_events (who, when, why), documentation that
// outlives the clip; hold_wraps keeps held clips' data keys re-wrapped to the hold key before their
// epoch key is destroyed. A hold and its access-log entry are written in one unit of work by the caller.
import { z } from 'zod';
import { LIMITS } from '../../input-limits.js';
import { StoreError, badInput } from '../../store-error.js';
import type { Migration, Unit } from '../port.js';
import { censusOf, type Census } from './census.js';

export interface Hold { reason: string; caseNumber: string; placedBy: string; placedAt: string }
export interface HoldEvent { clipId: string; action: 'place' | 'lift'; reason: string; caseNumber: string | null; by: string; at: string }

// `by` is a reserved word in PostgreSQL: quoted everywhere (sqlite stores the same name).
const TABLES = (id: string, blob: string) => `
CREATE TABLE holds (
  clip_id TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  case_number TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL
);
CREATE TABLE hold_events (
  id ${id},
  clip_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('place', 'lift')),
  reason TEXT NOT NULL,
  case_number TEXT,
  ${id.startsWith('INTEGER') ? 'by' : '"by"'} TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX hold_events_clip ON hold_events(clip_id, id);
-- Data keys of held clips re-wrapped to the hold key before their epoch key is destroyed.
CREATE TABLE hold_wraps (
  clip_id TEXT PRIMARY KEY,
  key_name TEXT NOT NULL,
  wrapped_key ${blob} NOT NULL,
  created_at TEXT NOT NULL
);
`;

export const HOLDS_MIGRATIONS: Migration[] = [
  { name: 'evidence-holds-1', sqlite: TABLES('INTEGER PRIMARY KEY', 'BLOB'), pg: TABLES('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'BYTEA') },
];

const text = (max: number) => z.string().trim().min(1, 'required').max(max, `at most ${max} characters`);
const PlaceSchema = z.object({ reason: text(LIMITS.reason), caseNumber: text(LIMITS.caseNumber), by: text(200) });
const LiftSchema = z.object({ reason: text(LIMITS.reason), by: text(200) });

function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw badInput(r.error.issues);
  return r.data;
}

export async function getHold(u: Unit, clipId: string): Promise<Hold | null> {
  const r = await u.get<{ reason: string; case_number: string; placed_by: string; placed_at: string }>('SELECT reason, case_number, placed_by, placed_at FROM holds WHERE clip_id = ?', [clipId]);
  return r ? { reason: r.reason, caseNumber: r.case_number, placedBy: r.placed_by, placedAt: r.placed_at } : null;
}

/** Place a hold; refused for an unknown clip, one already held, or one whose deletion has begun. */
export async function placeHold(u: Unit, clipId: string, h: { reason: string; caseNumber: string; by: string }, at: string): Promise<Hold> {
  const v = parse(PlaceSchema, h);
  if (!await u.get('SELECT 1 AS x FROM clips WHERE clip_id = ?', [clipId])) throw new StoreError('not-found', `clip ${clipId}: not in the store`);
  if (await u.get('SELECT 1 AS x FROM pending_deletions WHERE clip_id = ?', [clipId])) throw new StoreError('deleting', `clip ${clipId}: deletion has already begun`);
  const held = await getHold(u, clipId);
  if (held) throw new StoreError('on-hold', `clip ${clipId}: already on hold (case ${held.caseNumber}, placed by ${held.placedBy} at ${held.placedAt})`);
  await u.run('INSERT INTO holds (clip_id, reason, case_number, placed_by, placed_at) VALUES (?, ?, ?, ?, ?)', [clipId, v.reason, v.caseNumber, v.by, at]);
  await u.run(`INSERT INTO hold_events (clip_id, action, reason, case_number, "by", at) VALUES (?, 'place', ?, ?, ?, ?)`, [clipId, v.reason, v.caseNumber, v.by, at]);
  return { reason: v.reason, caseNumber: v.caseNumber, placedBy: v.by, placedAt: at };
}

/** Lift a clip's hold; returns the hold that was lifted. */
export async function liftHold(u: Unit, clipId: string, h: { reason: string; by: string }, at: string): Promise<Hold> {
  const v = parse(LiftSchema, h);
  if (!await u.get('SELECT 1 AS x FROM clips WHERE clip_id = ?', [clipId])) throw new StoreError('not-found', `clip ${clipId}: not in the store`);
  const held = await getHold(u, clipId);
  if (!held) throw new StoreError('not-held', `clip ${clipId}: not on hold`);
  await u.run('DELETE FROM holds WHERE clip_id = ?', [clipId]);
  await u.run(`INSERT INTO hold_events (clip_id, action, reason, case_number, "by", at) VALUES (?, 'lift', ?, ?, ?, ?)`, [clipId, v.reason, held.caseNumber, v.by, at]);
  return held;
}

/** Every place/lift, in order (one clip's, or all). */
export async function holdHistory(u: Unit, clipId?: string): Promise<HoldEvent[]> {
  type Row = { clip_id: string; action: 'place' | 'lift'; reason: string; case_number: string | null; by: string; at: string };
  const cols = 'SELECT clip_id, action, reason, case_number, "by", at FROM hold_events';
  const rows = clipId === undefined ? await u.all<Row>(`${cols} ORDER BY id`) : await u.all<Row>(`${cols} WHERE clip_id = ? ORDER BY id`, [clipId]);
  return rows.map((r) => ({ clipId: r.clip_id, action: r.action, reason: r.reason, caseNumber: r.case_number, by: r.by, at: r.at }));
}

export async function getHoldWrap(u: Unit, clipId: string): Promise<{ keyName: string; wrappedKey: Buffer } | undefined> {
  const r = await u.get<{ key_name: string; wrapped_key: Buffer }>('SELECT key_name, wrapped_key FROM hold_wraps WHERE clip_id = ?', [clipId]);
  return r ? { keyName: r.key_name, wrappedKey: r.wrapped_key } : undefined;
}

export async function putHoldWrap(u: Unit, clipId: string, keyName: string, wrappedKey: Buffer, at: string): Promise<void> {
  await u.run('INSERT INTO hold_wraps (clip_id, key_name, wrapped_key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (clip_id) DO NOTHING', [clipId, keyName, wrappedKey, at]);
}

/** The clip is gone: its re-wrapped data key goes with it. */
export async function deleteHoldWrap(u: Unit, clipId: string): Promise<void> {
  await u.run('DELETE FROM hold_wraps WHERE clip_id = ?', [clipId]);
}

const GONE = 'clip_id NOT IN (SELECT clip_id FROM clips) AND clip_id NOT IN (SELECT clip_id FROM holds)';

/** Hold history of clips no longer in the store and not held, whose last event is before `cutoff`. */
export async function purgeHoldEvents(u: Unit, cutoff: string): Promise<number> {
  return (await u.run(`DELETE FROM hold_events WHERE clip_id IN (SELECT clip_id FROM hold_events GROUP BY clip_id HAVING MAX(at) < ?) AND ${GONE}`, [cutoff])).changes;
}

export function holdsCensus(u: Unit): Promise<Census> { return censusOf(u, 'holds', 'placed_at', null); }
export function holdEventsCensus(u: Unit, cutoff: string): Promise<Census> { return censusOf(u, 'hold_events', 'at', cutoff, { overdueWhere: GONE }); }
