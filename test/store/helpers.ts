// Fixtures for the central store's user/log/API tests: a temp sqlite db and a clock tests can move.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCentralDb, type Db } from '../../central-store/db.js';
import type { ScryptParams } from '../../central-store/users.js';

/** Cheap scrypt for tests (the default is 2^15). */
export const FAST_SCRYPT: ScryptParams = { N: 1 << 10, r: 8, p: 1 };
export const DAY = 24 * 3600 * 1000;

export class TestClock {
  constructor(public t = Date.parse('2026-01-10T08:00:00Z')) {}
  now = (): number => this.t;
  advance(ms: number): void { this.t += ms; }
}

export async function tempDb(t: { teardown(fn: () => unknown): void }): Promise<{ db: Db; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'store-'));
  const db = openCentralDb(path.join(dir, 'central.db'));
  t.teardown(async () => { db.close(); await rm(dir, { recursive: true, force: true }); });
  return { db, dir };
}
