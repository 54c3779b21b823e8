// `npm run office`: the evidence office in the browser over a demo shift's evidence. Runs the demo
// shift (hardware-sim/fleet/runner.ts, as `npm run demo` does, without its scripted office part) or
// opens a directory kept by `npm run demo -- --keep DIR` (`--keep DIR` here), then serves the store's
// API and the office (central-store/web/office.ts) on 127.0.0.1 and prints one JSON line: the URL and
// freshly generated passwords of one demo user per role. Stops on Ctrl-C / SIGTERM.
// Options: --keep DIR, --port N (default 8480; 0 = any free port), --cameras N.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApi } from '../central-store/api.js';
import { loadStoreConfig, parseStoreConfig, storePaths } from '../central-store/config.js';
import { clipCount } from '../central-store/index/tables/clips.js';
import { SYSTEM } from '../central-store/operations.js';
import { sealSigningKey } from '../central-store/signing-key.js';
import { openStoreContext, resolveMasterKey, type StoreContext } from '../central-store/store-context.js';
import { createOffice } from '../central-store/web/office.js';
import { createLogger } from '../shared/log.js';
import type { FleetPki } from './fleet/pki.js';
import { createProgress } from './fleet/progress.js';
import { runScenario } from './fleet/runner.js';
import { demoScenario, parseScenario } from './fleet/scenario.js';
import { describeParts, findRealParts, fitToParts } from './real-parts.js';

const fail = (err: unknown) => {
  process.stderr.write(`\noffice: failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const { values } = parseArgs({ options: { keep: { type: 'string' }, port: { type: 'string' }, cameras: { type: 'string' } } });
const port = values.port === undefined ? 8480 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(new Error(`--port: a port number 0-65535, not ${values.port}`));
if (process.env.LOG_LEVEL === undefined) process.env.LOG_LEVEL = 'warn';
const say = (line: string) => void process.stderr.write(`${line}\n`);

/** Until Ctrl-C or SIGTERM. */
const stopped = () => new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });

/** One user per role with a fresh password; on a kept store (users from an earlier run) the names get a fresh suffix. */
async function demoUsers(ctx: StoreContext, suffix: string): Promise<Record<string, { username: string; password: string }>> {
  const out: Record<string, { username: string; password: string }> = {};
  for (const role of ['evidence-officer', 'viewer', 'auditor', 'administrator'] as const) {
    const username = `web-${role === 'evidence-officer' ? 'officer' : role === 'administrator' ? 'admin' : role}${suffix}`;
    const password = randomBytes(15).toString('base64url');
    // The store's own setup step, logged as done by 'system' (as `bodycam store user-create` on the host would be).
    await ctx.ops.createUser(SYSTEM, { username, role, password });
    out[role] = { username, password };
  }
  return out;
}

async function serve(ctx: StoreContext, suffix: string): Promise<void> {
  const users = await demoUsers(ctx, suffix);
  const api = createApi({ ops: ctx.ops, exportsDir: storePaths(ctx.config).exports, log: createLogger('office-api'), office: createOffice({ ops: ctx.ops, users: ctx.users, log: ctx.log }) });
  const bound = await api.listen(port, '127.0.0.1');
  const clips = await ctx.index.tx((u) => clipCount(u));
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${bound}/office/`, clips, users })}\n`);
  say(`office: serving ${clips} clips at http://127.0.0.1:${bound}/office/ (Ctrl-C stops)`);
  await stopped();
  await api.close();
}

/** The shift's central data opened as the server opens it: blobs where the server keeps them, the receipt key sealed as the signing key, epoch keys imported. */
async function openShiftStore(centralDir: string, pki: FleetPki): Promise<StoreContext> {
  const config = parseStoreConfig({ storeId: 'central-sim', dataDir: centralDir, mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'unused', certPath: 'unused', keyPath: 'unused' } } });
  const paths = storePaths(config);
  if (existsSync(path.join(centralDir, 'blobs')) && !existsSync(paths.blobs)) await rename(path.join(centralDir, 'blobs'), paths.blobs);
  const master = randomBytes(32);
  await sealSigningKey(paths.signingKey, paths.signingPub, master, pki.receiptKey.privateKey);
  const ctx = await openStoreContext(config, { masterKey: async () => master });
  const evidence = await ctx.evidence();
  for (const e of pki.epochs) {
    await evidence.keys.importEpoch({ epochId: e.epochId, privateKey: e.privateKey, notBefore: new Date(e.notBefore).toISOString(), notAfter: new Date(e.notAfter).toISOString() });
  }
  return ctx;
}

if (values.keep) {
  const dir = path.resolve(values.keep);
  const configPath = path.join(dir, 'central-store.json');
  if (!existsSync(configPath)) fail(new Error(`--keep: ${configPath} not found (make one with: npm run demo -- --keep ${values.keep})`));
  const config = loadStoreConfig(configPath);
  const ctx = await openStoreContext(config, { masterKey: () => resolveMasterKey(config, process.env) });
  await ctx.evidence();
  try { await serve(ctx, `-${randomBytes(2).toString('hex')}`); } finally { await ctx.close(); }
} else {
  const parts = findRealParts();
  let scenario = fitToParts(demoScenario(parts), parts);
  if (values.cameras) scenario = parseScenario({ ...scenario, cameras: Number(values.cameras) });
  say(describeParts(parts, scenario));
  const progress = createProgress();
  let progressStopped = false;
  await runScenario(scenario, {
    progress,
    afterChecks: async ({ centralDir, pki }) => {
      progress.stop(); progressStopped = true;
      const ctx = await openShiftStore(centralDir, pki);
      try { await serve(ctx, ''); } finally { await ctx.close(); }
    },
  }).finally(() => { if (!progressStopped) progress.stop(); });
}
process.exit(0);
