// Hash-chained device event log (boot, button, record-start/stop, fault, config, wipe), in its own
// sqlite file with the vault's pragmas. The dock collects it with since(seq); anyone can check the
// chain with verifyChain (rule: docs/device-log.md).
import Database from 'better-sqlite3';
import type { Clock } from '../shared/clock.js';
import type { DeviceLogEntry } from '../shared/evidence.js';
import { GENESIS_HASH, entryHash, verifyChain } from '../shared/device-log-chain.js';

export { GENESIS_HASH, canonicalJson, entryHash, verifyChain } from '../shared/device-log-chain.js';

export const LOG_TYPES = ['boot', 'button', 'button-ignored', 'marker', 'record-start', 'record-stop', 'fault', 'config', 'gps', 'wipe', 'recover', 'shutdown'] as const;

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

  constructor(o: { path: string; clock: Clock }) {
    this.clock = o.clock;
    this.db = new Database(o.path);
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS device_log (
      seq INTEGER PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
      prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`);
  }

  append(type: string, data: Record<string, unknown> = {}): DeviceLogEntry {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(type)) throw new Error(`device log: bad entry type ${JSON.stringify(type)}`);
    // Round-trip through JSON so the stored text and the hashed value are the same thing.
    const clean = JSON.parse(JSON.stringify(data ?? {})) as Record<string, unknown>;
    const tx = this.db.transaction((): DeviceLogEntry => {
      const last = this.db.prepare('SELECT seq, hash FROM device_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
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

  /** Recompute the whole chain from genesis. */
  verify(): { ok: boolean; brokenAt?: number } {
    let prev = GENESIS_HASH;
    let after = 0;
    for (;;) {
      const batch = this.since(after, 5000);
      if (batch.length === 0) return { ok: true };
      if (after === 0 && batch[0]!.seq !== 1) return { ok: false, brokenAt: batch[0]!.seq };
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
