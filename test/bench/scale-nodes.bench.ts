// Issue 17, "2 nodes vs 1": the same clips from N docks through one real mosquitto into ONE central
// node vs TWO central nodes, both on PostgreSQL + Ceph RGW (a fresh database and bucket per phase),
// same run. Two nodes share the index and take docks by lease (ingest-leases.ts); every node receives
// every dock's messages and drops those of docks it does not hold. On this 2-core machine (shared with
// the docks, broker, PostgreSQL and Ceph) a second node adds no CPU: the figure shows what the second
// node costs, not the speed-up more machines would give. Absent PostgreSQL/Ceph binaries: says so, exits 0.
// Flags (`npm run bench -- scale-nodes --docks=N`): --docks N (20), --per-dock-mb N (8), --chunk-kib K (256), --inflight N (4),
//        --rounds R (1; round 2 runs two nodes first, so order does not always favour one side).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ingestPhase, load, pgTarget, phaseSetup } from './ingest-phase.js';
import { MB, arg, r2, startBenchMosquitto } from './mqtt-bench-lib.js';
import { startServers } from './scale-backends.js';

const docks = arg('docks', 20);
const perDock = arg('per-dock-mb', 8) * MB;
const chunkSize = arg('chunk-kib', 256) * 1024;
const inflight = arg('inflight', 4);
const rounds = arg('rounds', 1);
const say = (s: string) => process.stderr.write(`scale-nodes: ${s} (${load()})\n`);
const cores = os.cpus().length;

const servers = await startServers();
if ('skipped' in servers) {
  say(`skipped: ${servers.skipped}`);
  process.stdout.write(JSON.stringify({ bench: 'scale-nodes', skipped: servers.skipped, cores }) + '\n');
  process.exit(0);
}
const dir = await mkdtemp(path.join(os.tmpdir(), 'scale-nodes-'));
const mosq = await startBenchMosquitto(Array.from({ length: docks }, (_, d) => `dock-${d}`));
try {
  const setup = await phaseSetup({ dir, mosq, docks, perDock, chunkSize, inflight, say });
  const total = setup.total;

  type R = { seconds: number; MBps: number; storeCoreSecPer200MB: number; coreSecPer200MB: Record<string, number> };
  const runs: { one: R; two: R }[] = [];
  for (let i = 0; i < rounds; i++) {
    const phase = async (n: number) => await ingestPhase(setup, `r${i}-${n}node`, await pgTarget(servers, `bench_nodes_${i}_${n}`, `bench-nodes-${i}-${n}`), n) as unknown as R;
    const two = i % 2 === 1 ? await phase(2) : undefined;
    const one = await phase(1);
    runs.push({ one, two: two ?? await phase(2) });
  }
  // Ratios over the rounds' sums (total bytes / total seconds; core-seconds per 200 MB of the central node(s)).
  const sum = (f: (r: { one: R; two: R }) => number) => runs.reduce((a, r) => a + f(r), 0);
  const central = (r: R) => r.coreSecPer200MB.central ?? 0;
  process.stdout.write(JSON.stringify({
    bench: 'scale-nodes', docks, totalMB: r2(total / MB), chunkKiB: chunkSize / 1024, inflightPerDock: inflight, rounds, cores, load: load(),
    runs,
    baseline: 'one central node on PostgreSQL + RGW (the same docks, clips, broker and servers, same run)',
    twoOverOneMBps: r2(sum((r) => r.one.seconds) / sum((r) => r.two.seconds)),
    twoOverOneCoreSecPer200MB: r2(sum((r) => central(r.two)) / sum((r) => central(r.one))),
    twoOverOneStoreCoreSecPer200MB: r2(sum((r) => r.two.storeCoreSecPer200MB) / sum((r) => r.one.storeCoreSecPer200MB)),
    note: `central core-seconds summed over the nodes; ${cores} cores shared by the docks, broker, PostgreSQL (fsync on), Ceph (memstore OSD) and the node(s): a second node cannot add CPU here, so the ratios show what it costs (it receives and drops every message of the docks it does not hold)`,
  }) + '\n');
} finally {
  await servers.stop();
  await mosq.stop();
  await rm(dir, { recursive: true, force: true });
}
