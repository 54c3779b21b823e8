// Flow control of one ingest worker: chunk writes overlap up to a bound, and beyond it the PUBACK
// waits, which paces the broker and through it the docks; a clip's meta waits for that clip's chunks
// still being written; metas of one clip are handled one at a time, in arrival order.
export class IngestFlow {
  /** Chunk writes in progress per assembly id, and in all. */
  private readonly writes = new Map<string, Set<Promise<void>>>();
  private writing = 0;
  private slotFreed: (() => void)[] = [];
  private readonly perClip = new Map<string, Promise<void>>();

  constructor(private readonly maxWriting = 32) {}

  /** Start a chunk write for `aid`; resolves when another may start (its failure goes to onError). */
  async write(aid: string, start: () => Promise<void>, onError: (err: unknown) => void): Promise<void> {
    let set = this.writes.get(aid);
    if (!set) this.writes.set(aid, set = new Set());
    const p: Promise<void> = start().finally(() => {
      set.delete(p);
      if (!set.size && this.writes.get(aid) === set) this.writes.delete(aid);
      this.writing--;
      const w = this.slotFreed; this.slotFreed = []; for (const f of w) f();
    });
    this.writing++;
    set.add(p);
    p.catch(onError);
    while (this.writing >= this.maxWriting) await new Promise<void>((r) => this.slotFreed.push(r));
  }

  /** Resolves once no chunk write of `aid` is in progress. */
  async written(aid: string): Promise<void> {
    while (this.writes.get(aid)?.size) await Promise.allSettled([...this.writes.get(aid)!]);
  }

  /** Run `task` after every earlier task for the same clip (never rejects the chain: catch inside). */
  oneAtATime(clipId: string, task: () => Promise<void>): void {
    const prev = this.perClip.get(clipId) ?? Promise.resolve();
    const next = prev.then(task).then(() => { if (this.perClip.get(clipId) === next) this.perClip.delete(clipId); });
    this.perClip.set(clipId, next);
  }

  /** Every write and task begun so far, settled. */
  async drain(): Promise<void> {
    for (const set of this.writes.values()) await Promise.allSettled([...set]);
    await Promise.allSettled([...this.perClip.values()]);
  }
}
