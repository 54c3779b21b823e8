// Which docks this central node handles when several nodes share one index and one broker
// (docs/scale-out.md, "Several central nodes"). Every node subscribes to every dock; a dock's messages
// are handled by the node holding its lease (index/tables/dock-leases.ts) and dropped by the others, so
// one clip is assembled on one node. The holder renews its leases every third of their life; a dock
// silent for `idleMs` is let go (the next message may land anywhere); a dead node's leases run out and
// the next message from the dock is taken by a live node, which answers the dock's next meta with the
// chunks it lacks: the dock's own resend path brings it the rest. Leases are only about who does the
// work: the index's one row per clip and the stored receipt decide what is stored and answered.
import type { Logger } from '../shared/log.js';
import type { Index } from './index/port.js';
import { dockLeaseCounts, dockLeaseHolder, releaseDockLeases, renewDockLeases, takeDockLease } from './index/tables/dock-leases.js';
import { NODE_ID } from './run-once.js';

export interface DockLeaseOptions {
  /** This node's name in the lease table; default NODE_ID (host:pid:random, new at every start). */
  holder?: string;
  /** A lease's life (default 15 s): how long a dead node's docks wait before another node takes them. */
  ttlMs?: number;
  /** A dock not heard from this long is released instead of renewed (default 5 min). */
  idleMs?: number;
  /** After declining a free dock, look again this much later (default min(1 s, ttl/3)); the third look takes a dock still nobody's. */
  relookMs?: number;
  now?: () => number;
  log?: Logger;
}

export class DockLeases {
  readonly holder: string;
  private readonly ttl: number;
  private readonly idle: number;
  private readonly now: () => number;
  /** Docks this node holds: until when it acts on them (a third of the life short of the row's end), last message. */
  private readonly mine = new Map<string, { until: number; seen: number }>();
  /** Docks another node holds, and the end of its lease as last read: asked again only after that. */
  private readonly others = new Map<string, number>();
  private readonly asking = new Map<string, Promise<boolean>>();
  /** Free docks this node declined, to be looked at again (see lookAgain). */
  private readonly relook = new Map<string, NodeJS.Timeout>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly index: Index, private readonly o: DockLeaseOptions = {}) {
    this.holder = o.holder ?? NODE_ID;
    this.ttl = o.ttlMs ?? 15_000;
    this.idle = o.idleMs ?? 5 * 60_000;
    this.now = o.now ?? Date.now;
  }

  /** Start renewing (every third of a lease's life). */
  start(): this {
    this.timer ??= setInterval(() => { this.renewing = this.renew(); }, Math.max(50, Math.floor(this.ttl / 3)));
    this.timer.unref();
    return this;
  }

  /**
   * Whether this node handles `dockId`'s messages now (asks the index only when its knowledge ran out).
   * `busy` false (a heartbeat): handled, but not work that keeps the dock from being let go when idle,
   * else docks that only send heartbeats would stay on their node for ever and never spread to a new one.
   * `signed`: whether the message carries the dock's valid signature, asked only when a lease would be
   * taken (default: the caller vouches for it). Only a signed message takes a lease (creates the row or
   * moves it here); an unsigned or forged one (a chunk, garbage) acts only on a lease this node already
   * holds, renewing its own row at most: another certificate's messages never make or keep a dock's lease.
   */
  async owns(dockId: string, busy = true, signed: () => boolean | Promise<boolean> = () => true): Promise<boolean> {
    if (this.closed) return false;
    const t = this.now();
    const m = this.mine.get(dockId);
    if (m && t < m.until) { if (busy) m.seen = t; return true; }
    const other = this.others.get(dockId);
    if (other !== undefined && t < other) return false;
    let p = this.asking.get(dockId);
    if (!p) {
      const mayTake = await signed();
      if (!mayTake && !this.mine.has(dockId)) return false;
      // Another message may have started the question while the signature was checked.
      p = this.asking.get(dockId);
      if (!p) {
        p = (mayTake ? this.take(dockId) : this.keep(dockId)).finally(() => this.asking.delete(dockId));
        this.asking.set(dockId, p);
      }
    }
    const ok = await p;
    if (ok && busy) { const n = this.mine.get(dockId); if (n) n.seen = this.now(); }
    return ok;
  }

  /** Renew the row this node still has for `dockId` (never take one): an unsigned message on a dock it holds. */
  private async keep(dockId: string): Promise<boolean> {
    const t = this.now();
    const still = await this.index.tx((u) => renewDockLeases(u, this.holder, [dockId], t + this.ttl));
    const m = this.mine.get(dockId);
    if (still.includes(dockId) && m) { m.until = this.actUntil(t); return true; }
    if (this.mine.delete(dockId)) this.o.log?.warn({ dockId }, 'dock lease lost to another node');
    return false;
  }

  /**
   * Every node hears a free dock's message at once; the least loaded takes it: a node holding more live
   * leases than another holder declines (that node takes it on this same message; if it is dead its
   * leases run out and stop counting). Without this the node the broker delivers to first takes every dock.
   */
  private async take(dockId: string, looks = 0): Promise<boolean> {
    const t = this.now();
    const r = await this.index.tx(async (u) => {
      const h = await dockLeaseHolder(u, dockId);
      if (h && h.holder !== this.holder && h.untilMs > t) return { held: h.untilMs };
      if (h?.holder !== this.holder) {
        const counts = await dockLeaseCounts(u, t);
        const own = counts.get(this.holder) ?? 0;
        // Declined, not held by anyone: ask again soon (a second), since the node that should take it
        // may itself have declined a moment earlier when the counts were the other way round.
        if (looks < 3 && [...counts].some(([k, n]) => k !== this.holder && n < own)) return { held: t + Math.min(1000, Math.floor(this.ttl / 3)), declined: true };
      }
      return await takeDockLease(u, dockId, this.holder, t, t + this.ttl) ? { took: true } : { held: (await dockLeaseHolder(u, dockId))?.untilMs ?? t };
    });
    if ('took' in r) {
      if (this.closed) return false; // close() gives every lease of this holder back once the asks settle
      if (!this.mine.has(dockId)) this.o.log?.info({ dockId, holder: this.holder, looks }, 'dock lease taken');
      this.mine.set(dockId, { until: this.actUntil(t), seen: t });
      this.others.delete(dockId);
      return true;
    }
    if (this.mine.delete(dockId)) this.o.log?.warn({ dockId }, 'dock lease lost to another node');
    this.others.set(dockId, r.held);
    if ('declined' in r) this.lookAgain(dockId, looks + 1);
    return false;
  }

  /**
   * Both nodes can decline the same free dock a moment apart (each read the counts while the other was
   * taking other docks), and the dock's message is then dropped by both: its next one comes only after
   * the dock's own back-off (3, 6, 12, 24 s: a two-node bench phase took 22 s instead of 9, dock-16
   * declined by both nodes three times). So the decliner looks again a moment later, by the same rule
   * (the counts have usually settled by then, so the docks stay balanced), and on the third look takes a
   * dock nobody took whatever the counts; the dock's next message then finds its holder.
   */
  private lookAgain(dockId: string, looks: number): void {
    if (this.closed || this.relook.has(dockId)) return;
    const timer = setTimeout(() => {
      this.relook.delete(dockId);
      if (this.closed || this.asking.has(dockId)) return;
      const p = this.take(dockId, looks).catch((err) => {
        this.o.log?.warn({ dockId, err: String(err) }, 'dock lease: looking again failed');
        return false;
      }).finally(() => this.asking.delete(dockId));
      this.asking.set(dockId, p);
    }, this.o.relookMs ?? Math.min(1000, Math.floor(this.ttl / 3)));
    timer.unref();
    this.relook.set(dockId, timer);
  }

  /** Acting stops a third of the life before the row ends: room for clock skew between nodes. */
  private actUntil(t: number): number { return t + this.ttl - Math.floor(this.ttl / 3); }

  /** Renew the docks in use, let the idle ones go; a lease another node took is dropped. */
  async renew(): Promise<void> {
    if (this.closed) return;
    const t = this.now();
    const keep: string[] = [], idle: string[] = [];
    for (const [d, m] of this.mine) (t - m.seen >= this.idle ? idle : keep).push(d);
    try {
      const still = new Set(await this.index.tx(async (u) => {
        await releaseDockLeases(u, this.holder, idle);
        return renewDockLeases(u, this.holder, keep, t + this.ttl);
      }));
      for (const d of idle) this.mine.delete(d);
      for (const d of keep) {
        const m = this.mine.get(d);
        if (!m) continue;
        if (still.has(d)) m.until = this.actUntil(t);
        else { this.mine.delete(d); this.o.log?.warn({ dockId: d }, 'dock lease lost to another node'); }
      }
    } catch (err) {
      // Not renewed: this node stops acting on its docks when its own deadline passes.
      this.o.log?.warn({ err: String(err) }, 'dock lease renewal failed');
    }
  }

  /** The docks this node acts on now. */
  held(): string[] { const t = this.now(); return [...this.mine].filter(([, m]) => t < m.until).map(([d]) => d); }

  /** Stop renewing and give every lease back, so another node takes the docks at their next message. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const timer of this.relook.values()) clearTimeout(timer);
    this.relook.clear();
    await this.renewing;
    await Promise.allSettled([...this.asking.values()]);
    this.mine.clear();
    await this.index.tx((u) => releaseDockLeases(u, this.holder)).catch((err) => this.o.log?.warn({ err: String(err) }, 'dock leases not released; they run out'));
  }
}
