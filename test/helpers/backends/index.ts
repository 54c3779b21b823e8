// The PostgreSQL and S3 (Ceph RGW) a test file uses. `npm test` starts one of each for the whole run
// (test/with-backends.ts) and passes them in the environment; a test file run on its own (npx ava
// file) starts its own the first time it asks and stops them when its process exits. Missing binaries
// give a skip reason instead (CI installs them through scripts/system-deps.sh, so CI runs everything).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cephMissing, startCeph, type S3User } from './ceph.js';
import { postgresMissing, startPostgres } from './postgres.js';

export interface S3Target { endpoint: string; region: string; service: S3User; admin: S3User }
export type Backend<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ENV_PG = 'BODYCAM_TEST_PG_URL';
export const ENV_S3 = 'BODYCAM_TEST_S3';

const ownPids: number[] = [];
let ownDir: string | undefined;
let exitHooked = false;
function own(pids: number[]): string {
  ownPids.push(...pids);
  ownDir ??= mkdtempSync(path.join(os.tmpdir(), 'bodycam-backends-'));
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const pid of ownPids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      if (ownDir) try { rmSync(ownDir, { recursive: true, force: true }); } catch { /* busy */ }
    });
  }
  return ownDir;
}

let pg: Promise<Backend<string>> | undefined;
let s3: Promise<Backend<S3Target>> | undefined;

/** A PostgreSQL connection URL (superuser `bodycam`, database `postgres`). */
export function testPostgres(): Promise<Backend<string>> {
  return pg ??= (async () => {
    if (process.env[ENV_PG]) return { ok: true, value: process.env[ENV_PG]! };
    const why = postgresMissing();
    if (why) return { ok: false, reason: why };
    const p = await startPostgres(path.join(own([]), 'pg'));
    own([p.pid]);
    return { ok: true, value: p.url };
  })();
}

/** An S3 endpoint with Object Lock (Ceph RGW) and its two users. */
export function testS3(): Promise<Backend<S3Target>> {
  return s3 ??= (async () => {
    if (process.env[ENV_S3]) return { ok: true, value: JSON.parse(process.env[ENV_S3]!) as S3Target };
    const why = cephMissing();
    if (why) return { ok: false, reason: why };
    const c = await startCeph(path.join(own([]), 'ceph'));
    own(c.pids);
    return { ok: true, value: { endpoint: c.endpoint, region: c.region, service: c.service, admin: c.admin } };
  })();
}
