// Central store server (tsup → dist/central-store.js). Usage: central-store [config.json]
// (default $BODYCAM_STORE_CONFIG or /etc/bodycam/central-store.json). Opens the index, blobs and
// evidence store, runs the MQTT ingest workers, the HTTP API and the scheduled jobs (upcoming epoch keys,
// retention and the record deadlines at start and every hour, access-log purge daily; the ingest sweeps stale partial clips itself).
// Exit codes: 0 clean stop (SIGTERM/SIGINT), 78 bad config (names the field), 1 anything else.
import { readFileSync } from 'node:fs';
import { createLogger } from '../shared/log.js';
import { createApi, type Api } from './api.js';
import { ConfigError, EX_CONFIG, startFailureCode } from '../shared/config.js';
import { loadStoreConfig, storePaths } from './config.js';
import { publishUpcomingEpochs } from './epochs.js';
import { startIngest, type Ingest } from './ingest.js';
import { IngestFlow } from './ingest-flow.js';
import { startCrlPublisher } from './crl-publisher.js';
import { SYSTEM } from './operations.js';
import { createOffice } from './web/office.js';
import { openStoreContext, resolveMasterKey, type StoreContext } from './store-context.js';
import { NODE_ID, runOnce } from './run-once.js';
import { DockLeases } from './ingest-leases.js';
import { parseRetention } from './retention.js';
import os from 'node:os';

const log = createLogger('central-store');
const configPath = process.argv[2] ?? process.env.BODYCAM_STORE_CONFIG ?? '/etc/bodycam/central-store.json';

async function main(): Promise<void> {
  let config;
  try { config = loadStoreConfig(configPath); } catch (err) {
    process.stderr.write(`central-store: ${(err as Error).message}\n`);
    process.exit(startFailureCode(err));
  }
  let mqttTls;
  try {
    const read = (k: 'caPath' | 'certPath' | 'keyPath') => {
      try { return readFileSync(config.mqtt.tls[k]); } catch (err) { throw new ConfigError(`config.mqtt.tls.${k}: cannot read ${config.mqtt.tls[k]} (${(err as NodeJS.ErrnoException).code ?? 'error'})`); }
    };
    mqttTls = { ca: read('caPath'), cert: read('certPath'), key: read('keyPath'), serverName: config.mqtt.tls.serverName };
  } catch (err) {
    process.stderr.write(`central-store: ${(err as Error).message}\n`);
    process.exit(EX_CONFIG);
  }
  const ctx: StoreContext = await openStoreContext(config, { masterKey: () => resolveMasterKey(config, process.env) });
  const evidence = await ctx.evidence();
  const signing = await ctx.signingKey();
  const mqttEndpoint = { url: config.mqtt.url, tls: mqttTls };
  const crl = config.revocationListPath ? startCrlPublisher({ mqtt: mqttEndpoint, file: config.revocationListPath, storeId: config.storeId, log }) : undefined;
  // On PostgreSQL several nodes may share the index and broker: each dock is handled by the node holding
  // its lease, so every node receives every dock (its workers share a group of this node's own).
  const leases = config.index.backend === 'postgres'
    ? new DockLeases(ctx.index, { ttlMs: config.mqtt.dockLeaseSeconds * 1000, idleMs: config.mqtt.dockIdleSeconds * 1000, log: log.child({ part: 'dock-leases' }) }).start()
    : undefined;
  const group = leases ? `${config.mqtt.shareGroup}.${NODE_ID.replace(/[^A-Za-z0-9._:-]/g, '_')}` : config.mqtt.shareGroup;
  const ingests: Ingest[] = [];
  const flow = new IngestFlow(); // one per process: a clip's metas one at a time across its workers
  for (let i = 0; i < config.mqtt.workers; i++) {
    ingests.push(await startIngest({
      mqtt: mqttEndpoint, revocation: crl && (() => crl.current()), db: ctx.db, blobs: ctx.blobs, receiptKey: signing.privateKey, storeId: config.storeId,
      workerId: `${os.hostname()}-${process.pid}-${i}`, index: ctx.index, subscription: config.mqtt.workers > 1 ? { mode: 'shared', group } : { mode: 'all' },
      leases, flow, log: log.child({ worker: i }),
      // S3 enforces retain-until: each clip's is its deadline. A directory's is advisory (not worth two fsyncs a clip).
      retention: config.blobs.backend === 's3' ? parseRetention(config.retention) : undefined,
    }));
  }
  const tls = config.api.tls && { cert: readFileSync(config.api.tls.certPath), key: readFileSync(config.api.tls.keyPath) };
  const oc = config.api.office;
  const office = oc.enabled ? createOffice({ ops: ctx.ops, users: ctx.users, log: ctx.log, logger: log.child({ part: 'office' }), sessions: { idleMs: oc.idleMinutes * 60_000, absoluteMs: oc.absoluteHours * 3_600_000 } }) : undefined;
  const api: Api = createApi({ ops: ctx.ops, exportsDir: storePaths(config).exports, sessionTtlMs: config.api.sessionTtlMinutes * 60_000, tls, log, login: config.api.login, office });
  const port = await api.listen(config.api.port, config.api.host);

  // Jobs run one at a time; each run is in the access log as done by 'system'.
  let chain = Promise.resolve();
  // Across nodes each runs once at a time, under a lease in the index (run-once.ts); a node that finds it held skips this round.
  const job = (name: string, fn: () => Promise<unknown>) => {
    chain = chain.then(() => runOnce(ctx.index, name, fn)).then((r) => r.ran ? log.info({ job: name, result: r.result }, 'job done') : log.info({ job: name, heldBy: r.heldBy }, 'job running on another node'),
      (err) => log.error({ job: name, err: String(err) }, 'job failed'));
    return chain;
  };
  const retention = () => job('retention', () => ctx.ops.runRetention(SYSTEM));
  const purge = () => job('access-log purge', () => ctx.ops.purgeLog(SYSTEM));
  const records = () => job('record deadlines', () => ctx.ops.purgeRecords(SYSTEM));
  const epochs = () => job('epochs', () => publishUpcomingEpochs(evidence.keys, Date.now(), config.epochDaysAhead, storePaths(config).epochs));
  await epochs();
  await retention();
  await records();
  await purge();
  const timers = [
    setInterval(() => { void epochs(); void retention(); void records(); }, config.jobs.retentionEveryMinutes * 60_000),
    setInterval(() => void purge(), config.jobs.logPurgeEveryHours * 3_600_000),
  ];
  log.info({ storeId: config.storeId, port, tls: !!tls, workers: ingests.length, evidence: !!evidence, node: NODE_ID, dockLeases: !!leases }, 'central store running');
  process.stdout.write(`${JSON.stringify({ ready: true, port, publicKey: storePaths(config).signingPub })}\n`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    for (const t of timers) clearInterval(t);
    await api.close();
    for (const i of ingests) await i.close();
    await leases?.close();
    await crl?.close();
    await chain;
    await ctx.close();
    log.info('central store stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((err) => {
  log.fatal({ err: String(err) }, 'central store failed to start');
  process.stderr.write(`central-store: ${(err as Error).message}\n`);
  process.exit(startFailureCode(err));
});
