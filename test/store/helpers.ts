// Fixtures for the central store's user/log/API tests: a temp sqlite db and a clock tests can move.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCentralDb, type Db } from '../../central-store/db.js';
import { MIGRATIONS } from '../../central-store/index/migrations.js';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import type { ScryptParams } from '../../central-store/users.js';

/** Cheap scrypt for tests (the default is 2^15). */
export const FAST_SCRYPT: ScryptParams = { N: 1 << 10, r: 8, p: 1 };
export const DAY = 24 * 3600 * 1000;

export class TestClock {
  constructor(public t = Date.parse('2026-01-10T08:00:00Z')) {}
  now = (): number => this.t;
  advance(ms: number): void { this.t += ms; }
}

/** A fresh central.db and its index (every port migration applied, as openStoreContext does). */
export async function tempDb(t: { teardown(fn: () => unknown): void }): Promise<{ db: Db; dir: string; ix: SqliteIndex }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'store-'));
  const db = openCentralDb(path.join(dir, 'central.db'));
  t.teardown(async () => { db.close(); await rm(dir, { recursive: true, force: true }); });
  const ix = SqliteIndex.for(db);
  await ix.migrate(MIGRATIONS);
  return { db, dir, ix };
}

import { AccessLog } from '../../central-store/access-log.js';
import { createApi } from '../../central-store/api.js';
import { Operations } from '../../central-store/operations.js';
import type { EvidenceApi, RedactionApi } from '../../central-store/op-schemas.js';
import { Users } from '../../central-store/users.js';
import { createLogger } from '../../shared/log.js';

export const PW = 'correct horse battery';
export const ROLE_USERS = { viewer: 'vera', 'evidence-officer': 'owen', administrator: 'root', auditor: 'aud' } as const;

/**
 * A store API on a free port over `evidence`, with one user per role (password PW). A real evidence store
 * passes its `db`: operations and the store share one index, as openStoreContext wires them (a hold and
 * its log entry are one unit of work).
 */
export async function startApi(t: { teardown(fn: () => unknown): void }, evidence: EvidenceApi, clock = new TestClock(), o: { db?: Db } = {}) {
  const tmp = await tempDb(t);
  const db = o.db ?? tmp.db, dir = tmp.dir;
  const ix = SqliteIndex.for(db);
  await ix.migrate(MIGRATIONS);
  const users = new Users(ix, { now: clock.now, scrypt: FAST_SCRYPT });
  const log = new AccessLog(ix, { now: clock.now });
  const redaction = async () => { const r = (evidence as { redaction?: RedactionApi }).redaction; if (!r) throw new Error('this fake has no redaction'); return r; };
  const ops = new Operations({ db, users, log, evidence: async () => evidence, redaction, now: clock.now });
  await ops.bootstrapAdmin('root', PW);
  for (const [role, name] of Object.entries(ROLE_USERS)) if (name !== 'root') await ops.createUser('root', { username: name, role, password: PW });
  const api = createApi({ ops, exportsDir: dir, now: clock.now, log: createLogger('api', 'silent') });
  const port = await api.listen(0);
  t.teardown(() => api.close());
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, p: string, o: { token?: string; body?: unknown } = {}) => {
    const res = await fetch(base + p, { method, headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    let json: any; try { json = JSON.parse(text); } catch { json = text; }
    return { status: res.status, json, text, headers: res.headers };
  };
  const login = async (username: string, password = PW) => {
    const r = await call('POST', '/login', { body: { username, password } });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
    return r.json.token as string;
  };
  return { db, dir, ix, users, log, ops, api, base, call, login, clock };
}
