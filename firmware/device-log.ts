// Hash-chained device event log (boot, button, record-start/stop, fault, config, wipe), in its own
// sqlite file with the vault's pragmas. The dock collects it with since(seq); anyone can check the
// chain with verifyChain (rule: docs/device-log.md).
import Database from 'better-sqlite3';
import type { KeyLike } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { openDocument, type DeviceLogEntry, type DeviceLogReceiptBody, type SignedDocument } from '../shared/evidence.js';
import { GENESIS_HASH, entryHash, verifyChain } from '../shared/device-log-chain.js';

export { GENESIS_HASH, canonicalJson, entryHash, verifyChain } from '../shared/device-log-chain.js';

export const LOG_TYPES = ['boot', 'button', 'button-ignored', 'marker', 'record-start', 'record-stop', 'fault', 'config', 'gps', 'wipe', 'recover', 'shutdown', 'log-pruned'] as const;

interface Row {
  seq: number;
  at: string;
  type: string;
  data: string;
  prev_hash: string;
  hash: string;
}

export class DeviceLog {
  private readonly db: Database.Database;
  private readonly clock: Clock;

  private readonly receiptKey: KeyLike | undefined;

  /** receiptKey: central's clip-receipt key, which also signs device-log receipts (without it nothing is pruned). */
  constructor(o: { path: string; clock: Clock; receiptKey?: KeyLike }) {
    this.clock = o.clock;
    this.receiptKey = o.receiptKey;
    this.db = new Database(o.path);
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('synchronous = FULL');
    // Page cache at most 256 KiB: sqlite's default (2 MB per connection) fills as the file grows over a
    // shift, a slow RSS creep on the camera (docs/performance.md); these tables are read rarely.
    this.db.pragma('cache_size = -256');
    this.db.exec(`CREATE TABLE IF NOT EXISTS device_log (
      seq INTEGER PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
      prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`);
    // Where the log was pruned: the last deleted entry's seq and hash, so the chain goes on from there.
    this.db.exec('CREATE TABLE IF NOT EXISTS device_log_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)');
  }

  /** The seq and hash the stored log starts after (0 and genesis until the first prune). */
  anchor(): { seq: number; hash: string } {
    return (this.db.prepare('SELECT seq, hash FROM device_log_anchor WHERE id = 1').get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Central's signed receipt for this camera's log through seq N (docs/device-log.md, "Pruning"): after
   * checking it (central's key, this device, and the hash this camera has at N), entries up to N are
   * deleted (secure_delete) and N's hash becomes the anchor; a 'log-pruned' entry records it.
   * Returns the seq the log now starts after. Throws naming why a receipt is refused.
   */
  applyReceipt(receipt: SignedDocument, deviceId: string): number {
    if (!this.receiptKey) throw new Error('device-log receipt: no central key configured');
    const b = openDocument<DeviceLogReceiptBody>(receipt, this.receiptKey, 'device-log-receipt');
    if (b.v !== 1) throw new Error(`device-log receipt: version ${String(b.v)} unsupported`);
    if (b.deviceId !== deviceId) throw new Error(`device-log receipt: for device ${String(b.deviceId)}, not ${deviceId}`);
    if (!Number.isSafeInteger(b.seq) || b.seq < 1) throw new Error('device-log receipt: seq must be a positive integer');
    const anchor = this.anchor();
    if (b.seq <= anchor.seq) return anchor.seq;
    const row = this.db.prepare('SELECT hash FROM device_log WHERE seq = ?').get(b.seq) as { hash: string } | undefined;
    if (!row) throw new Error(`device-log receipt: this camera has no entry ${b.seq}`);
    if (row.hash !== b.hash) throw new Error(`device-log receipt: entry ${b.seq} has another hash here: not this camera's log`);
    const n = this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM device_log WHERE seq <= ?').run(b.seq).changes;
      this.db.prepare('INSERT INTO device_log_anchor (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash').run(b.seq, b.hash);
      return del;
    })();
    this.append('log-pruned', { throughSeq: b.seq, entries: n, storedAt: b.storedAt });
    return b.seq;
  }

  append(type: string, data: Record<string, unknown> = {}): DeviceLogEntry {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(type)) throw new Error(`device log: bad entry type ${JSON.stringify(type)}`);
    // Round-trip through JSON so the stored text and the hashed value are the same thing.
    const clean = JSON.parse(JSON.stringify(data ?? {})) as Record<string, unknown>;
    const tx = this.db.transaction((): DeviceLogEntry => {
      const last = (this.db.prepare('SELECT seq, hash FROM device_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? this.anchor();
      const seq = last.seq + 1;
      const prevHash = last.hash;
      const at = new Date(this.clock.now()).toISOString();
      const hash = entryHash(prevHash, { seq, at, type, data: clean });
      this.db.prepare('INSERT INTO device_log (seq, at, type, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)').run(seq, at, type, JSON.stringify(clean), prevHash, hash);
      return { seq, at, type, data: clean, prevHash, hash };
    });
    return tx();
  }

  /** Entries with seq > `seq`, oldest first (at most `limit`). */
  since(seq = 0, limit = 10_000): DeviceLogEntry[] {
    const rows = this.db.prepare('SELECT * FROM device_log WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as Row[];
    return rows.map((r) => {
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(r.data) as Record<string, unknown>;
      } catch {
        data = { unparsable: r.data };
      }
      return { seq: r.seq, at: r.at, type: r.type, data, prevHash: r.prev_hash, hash: r.hash };
    });
  }

  /** Recompute the whole chain from genesis, or from the anchor once pruned. */
  verify(): { ok: boolean; brokenAt?: number } {
    const anchor = this.anchor();
    let prev = anchor.hash;
    let after = anchor.seq;
    for (;;) {
      const batch = this.since(after, 5000);
      if (batch.length === 0) return { ok: true };
      if (after === anchor.seq && batch[0]!.seq !== anchor.seq + 1) return { ok: false, brokenAt: batch[0]!.seq };
      const r = verifyChain(batch, prev);
      if (!r.ok) return r;
      prev = batch[batch.length - 1]!.hash;
      after = batch[batch.length - 1]!.seq;
    }
  }

  close(): void {
    this.db.close();
  }
}
