// What stands in front of POST /login so guessing is slow and a flood cannot starve real users
// (docs/central-store.md, "Login throttling"): per-source failure counts with growing delays, refused
// before any password is checked; a cap on checks in flight per source; and a bounded queue in front
// of the scrypt work (a few at a time, clean sources first), so excess is refused at once instead of
// piling up, and a real user is not starved by sources that keep failing.
import { isIPv6 } from 'node:net';

export interface LoginGuardOptions {
  /** Failed logins a source may make before delays start. */
  freeFailures: number;
  /** First delay; each further failure doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A source with no failure for this long is forgotten. */
  forgetAfterMs: number;
  /** Sources remembered at most (bounded memory); the least recently failed is dropped first. */
  maxSources: number;
  /** Password checks in progress at once for one source. */
  perSourceInFlight: number;
  /** Password checks (scrypt) running at once, for everyone. */
  maxConcurrent: number;
  /** Checks allowed to wait for a slot; more are refused at once. */
  maxQueued: number;
  /** A queued check that has not started by then is refused. */
  queueTimeoutMs: number;
}

export const LOGIN_GUARD_DEFAULTS: LoginGuardOptions = {
  freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 15 * 60_000, maxSources: 10_000,
  perSourceInFlight: 2, maxConcurrent: 2, maxQueued: 32, queueTimeoutMs: 5000,
};

/** Refused before any check: `throttled` (this source, 429) or `busy` (everyone, 503). */
export class LoginRefused extends Error {
  constructor(readonly code: 'throttled' | 'busy', readonly retryAfterMs: number, message: string) { super(message); }
}

/** IPv4 as is (also IPv4-mapped IPv6); IPv6 by its /64, since one host usually holds a whole /64. */
export function sourceKey(address: string | undefined): string {
  const a = (address ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(a)) return a;
  const [head, tail = ''] = a.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = a.includes('::') && tail ? tail.split(':') : [];
  const full = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return `${full.slice(0, 4).map((x) => x.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** `shed`: this source's checks refused or dropped as busy; with failures and checks in flight, its queue priority. */
interface Source { failures: number; shed: number; lastFailureAt: number; notBefore: number; inFlight: number }
interface Waiting { prio: number; seq: number; start: () => void; refuse: () => void; timer: NodeJS.Timeout }
const busy = () => new LoginRefused('busy', 1000, 'too many logins being checked: retry in 1 s');

export class LoginGuard {
  readonly o: LoginGuardOptions;
  private readonly now: () => number;
  /** Map order = least recently failed first (an entry is re-inserted on each failure). */
  private readonly sources = new Map<string, Source>();
  private running = 0;
  /** Waiting checks; the one whose source has the fewest failures goes first (then the oldest). */
  private readonly queue: Waiting[] = [];
  private seq = 0;
  /** Counts for the log and for tests. */
  readonly stats = { checked: 0, throttled: 0, busy: 0 };

  /** Called when a failure starts or lengthens a source's delay (for the access log). */
  onDelay?: (key: string, failures: number, delayMs: number) => void;

  constructor(o: Partial<LoginGuardOptions> = {}, now: () => number = Date.now) {
    this.o = { ...LOGIN_GUARD_DEFAULTS, ...o };
    this.now = now;
    for (const [k, v] of Object.entries(this.o)) if (!Number.isInteger(v) || v < (k === 'freeFailures' || k === 'maxQueued' ? 0 : 1)) throw new Error(`login guard: ${k} must be a whole number >= ${k === 'freeFailures' || k === 'maxQueued' ? 0 : 1}`);
  }

  get size(): number { return this.sources.size; }

  /** The delay after `failures` failed logins from one source. */
  delayFor(failures: number): number {
    if (failures < this.o.freeFailures) return 0;
    return Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(failures - this.o.freeFailures, 30));
  }

  private live(key: string): Source | undefined {
    const s = this.sources.get(key);
    if (s && s.inFlight === 0 && this.now() - s.lastFailureAt > Math.max(this.o.forgetAfterMs, this.delayFor(s.failures))) {
      this.sources.delete(key);
      return undefined;
    }
    return s;
  }

  private entry(key: string): Source {
    let s = this.live(key);
    if (!s) {
      // Forgotten entries sit at the old end: drop them; if still full, drop the least recently failed.
      for (const k of this.sources.keys()) if (this.live(k)) break;
      for (const [k, v] of this.sources) {
        if (this.sources.size < this.o.maxSources) break;
        if (v.inFlight === 0) this.sources.delete(k);
      }
      s = { failures: 0, shed: 0, lastFailureAt: this.now(), notBefore: 0, inFlight: 0 };
      this.sources.set(key, s);
    }
    return s;
  }

  /**
   * Run one password check for `key`: refused at once while the source must wait or has too many checks
   * in flight, or when the queue is full; otherwise queued until a slot is free. `fn`'s outcome is
   * classified by `failed` (a wrong password counts; bad input does not).
   */
  async check<T>(key: string, fn: () => Promise<T>, failed: (err: unknown) => boolean): Promise<T> {
    const s = this.entry(key);
    const now = this.now();
    if (s.notBefore > now) {
      this.stats.throttled++;
      throw new LoginRefused('throttled', s.notBefore - now, `too many failed logins from this address: retry in ${Math.ceil((s.notBefore - now) / 1000)} s`);
    }
    if (s.inFlight >= this.o.perSourceInFlight) {
      this.stats.throttled++;
      throw new LoginRefused('throttled', 1000, 'a login from this address is already being checked: retry in 1 s');
    }
    s.inFlight++;
    try {
      // A source that keeps failing or keeps being shed waits behind cleaner ones.
      await this.slot(s.failures + s.shed + s.inFlight - 1).catch((err) => { s.shed++; throw err; });
      try {
        this.stats.checked++;
        const r = await fn();
        this.sources.delete(key); // a right password clears the source's count
        s.failures = 0; s.shed = 0; s.notBefore = 0;
        return r;
      } catch (err) {
        if (failed(err)) {
          s.failures++;
          s.lastFailureAt = this.now();
          s.notBefore = s.lastFailureAt + this.delayFor(s.failures);
          this.sources.delete(key); this.sources.set(key, s); // most recent last
          const d = this.delayFor(s.failures);
          if (d > 0) this.onDelay?.(key, s.failures, d);
        }
        throw err;
      } finally { this.release(); }
    } finally {
      s.inFlight--;
      if (s.failures === 0 && s.shed === 0 && s.inFlight === 0 && this.sources.get(key) === s) this.sources.delete(key);
    }
  }

  /**
   * A slot to run a check. When all are taken the check waits in a bounded queue ordered by its source's
   * failures, so a source with a clean record (a real user) goes before a flood's dirty sources; when
   * the queue is full the newest waiting check of the dirtiest source makes way for a cleaner one.
   */
  private slot(prio: number): Promise<void> {
    if (this.running < this.o.maxConcurrent) { this.running++; return Promise.resolve(); }
    if (this.queue.length >= this.o.maxQueued) {
      const worst = this.queue.reduce<Waiting | undefined>((w, x) => (!w || x.prio > w.prio || (x.prio === w.prio && x.seq > w.seq) ? x : w), undefined);
      if (!worst || worst.prio <= prio) { this.stats.busy++; return Promise.reject(busy()); }
      worst.refuse();
    }
    return new Promise((resolve, reject) => {
      const item: Waiting = {
        prio, seq: this.seq++,
        start: () => { clearTimeout(item.timer); this.running++; resolve(); },
        refuse: () => { clearTimeout(item.timer); this.queue.splice(this.queue.indexOf(item), 1); this.stats.busy++; reject(busy()); },
        timer: setTimeout(() => item.refuse(), this.o.queueTimeoutMs),
      };
      this.queue.push(item);
    });
  }

  private release(): void {
    this.running--;
    if (!this.queue.length) return;
    const best = this.queue.reduce((b, x) => (x.prio < b.prio || (x.prio === b.prio && x.seq < b.seq) ? x : b));
    this.queue.splice(this.queue.indexOf(best), 1);
    best.start();
  }
}
