// Owner of `clip_put_claims`: which central node is putting a clip's blob now (docs/scale-out.md, "Several
// central nodes"). A dock lease can change hands while its old holder is still putting a clip; without a
// claim both nodes put the key, and an Object Lock bucket keeps both (identical, locked) versions. Taken in
// one statement (insert, or take over a claim that ran out or is already ours), so two nodes asking at once
// cannot both get it; renewed while the put runs; released once the clip's row is indexed.
import type { Migration, Unit } from '../port.js';

const TABLE = (big: string) => `CREATE TABLE clip_put_claims (clip_id TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms ${big} NOT NULL, taken_at TEXT NOT NULL)`;
export const CLIP_PUT_CLAIMS_MIGRATIONS: Migration[] = [{ name: 'clip-put-claims-1', sqlite: TABLE('INTEGER'), pg: TABLE('BIGINT') }];

/** Take (or keep) the claim on `clipId` until `untilMs`; true when `holder` has it now. */
export async function takeClipPutClaim(u: Unit, clipId: string, holder: string, nowMs: number, untilMs: number): Promise<boolean> {
  return (await u.run(`INSERT INTO clip_put_claims (clip_id, holder, until_ms, taken_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (clip_id) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms, taken_at = excluded.taken_at
    WHERE clip_put_claims.until_ms <= ? OR clip_put_claims.holder = excluded.holder`, [clipId, holder, untilMs, new Date(nowMs).toISOString(), nowMs])).changes === 1;
}

/** Extend `holder`'s claim on `clipId` to `untilMs`; false when it no longer has it (ran out and taken over, or released). */
export async function renewClipPutClaim(u: Unit, clipId: string, holder: string, untilMs: number): Promise<boolean> {
  return (await u.run('UPDATE clip_put_claims SET until_ms = ? WHERE clip_id = ? AND holder = ?', [untilMs, clipId, holder])).changes === 1;
}

/**
 * Give the claim back (only its holder can), and drop claims that ran out before `staleBeforeMs`: a node
 * that died mid-put leaves its row, and a clip whose dock never asked again would keep it for ever.
 */
export async function releaseClipPutClaim(u: Unit, clipId: string, holder: string, staleBeforeMs: number): Promise<void> {
  await u.run('DELETE FROM clip_put_claims WHERE (clip_id = ? AND holder = ?) OR until_ms < ?', [clipId, holder, staleBeforeMs]);
}

export async function clipPutClaimHolder(u: Unit, clipId: string): Promise<{ holder: string; untilMs: number } | undefined> {
  const r = await u.get<{ holder: string; until_ms: number | string }>('SELECT holder, until_ms FROM clip_put_claims WHERE clip_id = ?', [clipId]);
  return r && { holder: r.holder, untilMs: Number(r.until_ms) };
}
