// Issue 17: 50 simulated docks delivering at once through one real mosquitto to one central ingest
// worker (its own process), stored on PostgreSQL + Ceph RGW vs sqlite + blob directory (the baseline),
// same clips, same run: aggregate MB/s and core-seconds per 200 MB of each process (the central worker,
// PostgreSQL, Ceph, mosquitto, the docks' uploaders in this process). Each phase ends when every dock
// holds its signed receipt (the clip is indexed and its blob stored).
// Flags: --docks N (50), --per-dock-mb N (4), --chunk-kib K (256), --inflight N (4).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ingestPhase, load, pgTarget, phaseSetup } from './ingest-phase.js';
import { MB, arg, r2, startBenchMosquitto } from './mqtt-bench-lib.js';
import { startServers, type Servers } from './scale-backends.js';

const docks = arg('docks', 50);
const perDock = arg('per-dock-mb', 4) * MB;
const chunkSize = arg('chunk-kib', 256) * 1024;
const inflight = arg('inflight', 4);
const say = (s: string) => process.stderr.write(`scale-ingest: ${s} (${load()})\n`);

const dir = await mkdtemp(path.join(os.tmpdir(), 'scale-ingest-'));
const mosq = await startBenchMosquitto(Array.from({ length: docks }, (_, d) => `dock-${d}`));
let servers: Servers | { skipped: string } | undefined;
try {
  const setup = await phaseSetup({ dir, mosq, docks, perDock, chunkSize, inflight, say });
  const total = setup.total;

  const results: Record<string, unknown> = {};
  results['sqlite+dir'] = await ingestPhase(setup, 'sqlite');
  servers = await startServers();
  if ('skipped' in servers) results['pg+rgw'] = { skipped: servers.skipped };
  else {
    results['pg+rgw'] = await ingestPhase(setup, 'pg', await pgTarget(servers, 'bench_ingest', 'bench-ingest'));
  }
  const a = results['sqlite+dir'] as { MBps: number; storeCoreSecPer200MB: number };
  const b = results['pg+rgw'] as { MBps?: number; storeCoreSecPer200MB?: number };
  process.stdout.write(JSON.stringify({
    bench: 'scale-ingest', docks, totalMB: r2(total / MB), chunkKiB: chunkSize / 1024, inflightPerDock: inflight, results,
    baseline: 'sqlite+dir (the same 50 docks, clips and broker, same run)',
    ratioMBps: b.MBps ? r2(b.MBps / a.MBps) : null, ratioStoreCoreSec: b.storeCoreSecPer200MB ? r2(b.storeCoreSecPer200MB / a.storeCoreSecPer200MB) : null,
    note: 'one central worker; PostgreSQL durable (fsync on); Ceph OSD on memstore (RAM); 2 cores shared with the docks, broker and other work',
  }) + '\n');
} finally {
  if (servers && !('skipped' in servers)) await servers.stop();
  await mosq.stop();
  await rm(dir, { recursive: true, force: true });
}
