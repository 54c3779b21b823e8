// Whether a chunk's clip is already indexed, asked of the index at most once per `ttlMs` per clip: a
// chunk of a stored clip (a late duplicate) is dropped unwritten, and the chunks of a clip being
// uploaded do not each pay a write-locking unit of work (on sqlite a BEGIN IMMEDIATE, a statement
// compiled again and a COMMIT per 256 KiB). An answer at most `ttlMs` old can only let a late duplicate
// be written to a partial clip that the sweep removes, as the race between the check and another
// worker's store always could; this worker's own stores are known at once (stored()).
import type { Index } from './index/port.js';
import { clipExists } from './index/tables/clips.js';

export class StoredClips {
  /** Clip id → the answer (in flight or settled) and when it was asked; oldest first. */
  private readonly known = new Map<string, { stored: Promise<boolean>; at: number }>();

  constructor(private readonly index: Index, private readonly ttlMs = 5000, private readonly max = 10_000, private readonly now: () => number = Date.now) {}

  /** Whether `clipId` is indexed (as of at most ttlMs ago); simultaneous asks for one clip share one unit. */
  has(clipId: string): Promise<boolean> {
    const t = this.now();
    const k = this.known.get(clipId);
    if (k && t - k.at < this.ttlMs) return k.stored;
    const stored = this.index.tx((u) => clipExists(u, clipId));
    this.remember(clipId, stored, t);
    // A failed ask is not remembered: the next chunk asks again.
    stored.catch(() => { if (this.known.get(clipId)?.stored === stored) this.known.delete(clipId); });
    return stored;
  }

  /** This worker indexed the clip, or learnt from the index that it is there. */
  stored(clipId: string): void { this.remember(clipId, Promise.resolve(true), this.now()); }

  private remember(clipId: string, stored: Promise<boolean>, at: number): void {
    this.known.delete(clipId);
    this.known.set(clipId, { stored, at });
    if (this.known.size > this.max) this.known.delete(this.known.keys().next().value!);
  }
}
