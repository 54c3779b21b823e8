// `npm test` runs ava through this: one PostgreSQL and one Ceph RGW for the whole run (not one per
// test file; ava runs each file in its own process), handed to the tests in the environment
// (test/helpers/backends/index.ts), stopped by PID when ava ends. Missing binaries: started without
// them, and the tests that need them skip naming the reason.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cephMissing, startCeph, type TestCeph } from './helpers/backends/ceph.js';
import { ENV_PG, ENV_S3 } from './helpers/backends/index.js';
import { postgresMissing, startPostgres, type TestPostgres } from './helpers/backends/postgres.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bodycam-test-backends-'));
const env = { ...process.env };
let pg: TestPostgres | undefined;
let ceph: TestCeph | undefined;
const stopAll = async () => {
  await Promise.allSettled([pg?.stop(), ceph?.stop()]);
  rmSync(dir, { recursive: true, force: true });
};

try {
  const t0 = Date.now();
  const [p, c] = await Promise.all([
    env[ENV_PG] || postgresMissing() ? undefined : startPostgres(path.join(dir, 'pg')).then((x) => (pg = x)),
    env[ENV_S3] || cephMissing() ? undefined : startCeph(path.join(dir, 'ceph')).then((x) => (ceph = x)),
  ]);
  if (p) env[ENV_PG] = p.url;
  if (c) env[ENV_S3] = JSON.stringify({ endpoint: c.endpoint, region: c.region, service: c.service, admin: c.admin });
  const missing = [!env[ENV_PG] && postgresMissing(), !env[ENV_S3] && cephMissing()].filter(Boolean);
  process.stderr.write(`with-backends: ${[p && `PostgreSQL ${p.url}`, c && `Ceph RGW ${c.endpoint}`].filter(Boolean).join(', ') || 'none started'} in ${Date.now() - t0} ms${missing.length ? `; ${missing.join('; ')}` : ''}\n`);
} catch (err) {
  process.stderr.write(`with-backends: could not start the test backends: ${(err as Error).message}\n`);
  await stopAll();
  process.exit(1);
}

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) { await stopAll(); process.stderr.write('usage: tsx test/with-backends.ts <command> [args...]\n'); process.exit(2); }
const child = spawn(cmd, args, { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
const code = await new Promise<number>((resolve) => child.once('close', (c, s) => resolve(c ?? (s ? 128 + (os.constants.signals[s] ?? 1) : 1))));
await stopAll();
process.exit(code);
