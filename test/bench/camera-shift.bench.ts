// A 10-hour shift at speed on the firmware as deployed (dist/camera-sim.js under plain node): the
// pre-record ring always running, a recording burst every 30 minutes (press, 2 minutes, long press),
// clips left on flash. Whole-process RSS and open file descriptors sampled from /proc; a shift is
// flat when the last third's median RSS is within 5 % of the first third's (the first hour, while
// the ring fills and the first clips open, is left out) and no descriptors are gained.
// Options: --hours=N (default 10), --speed=N (default 1000), --kbps=N (default 200),
// --every=MIN (minutes between bursts, default 30; 0 = no bursts, the ring alone). Write them with '=':
// `npm run bench -- camera-shift --every=0` passes on only the arguments that start with '-'.
import { parseArgs } from 'node:util';
import { DEPLOYED_NODE_ARGS, buildBundle, fdCount, mb, median, rssBytes, sleep, startBundleCamera } from './camera-bundle.js';

const { values } = parseArgs({ options: { hours: { type: 'string' }, speed: { type: 'string' }, kbps: { type: 'string' }, every: { type: 'string' } }, strict: false });
const everyMin = Number(values.every ?? 30);
const hours = Number(values.hours ?? 10);
const speed = Number(values.speed ?? 1000);
const kbps = Number(values.kbps ?? 200);
const HOUR = 3600_000;

buildBundle();
const c = await startBundleCamera({ id: 'cam-shift', prerecordSeconds: 60, bitrateKbps: kbps, simSpeed: speed });
const t0 = Date.now();
const status = async () => c.cam.send({ op: 'status' });
let s = await status();
const startMs = Number(s.lastSegmentEndMs) || Date.now();
const samples: { atMs: number; rss: number; fds: number; heap: number; used: number; ext: number }[] = [];
let bursts = 0;
let recording = false;
let nextBurst = everyMin > 0 ? startMs + everyMin * 60_000 : Infinity;
let stopAt = 0;
let now = startMs;
while (now - startMs < hours * HOUR) {
  await sleep(100);
  s = await status();
  now = Number(s.lastSegmentEndMs) || now;
  const m = s.memory as NodeJS.MemoryUsage;
  samples.push({ atMs: now - startMs, rss: rssBytes(c.pid), fds: fdCount(c.pid), heap: m.heapTotal, used: m.heapUsed, ext: m.external });
  if (!recording && now >= nextBurst) {
    await c.cam.send({ op: 'press' });
    recording = true;
    bursts++;
    stopAt = now + 2 * 60_000;
    nextBurst += everyMin * 60_000;
  } else if (recording && now >= stopAt) {
    await c.cam.send({ op: 'long-press' });
    recording = false;
  }
}
if (recording) await c.cam.send({ op: 'long-press' });
const clips = (await status()).clipIds as string[];
const realSec = (Date.now() - t0) / 1000;
await c.close();

const after = samples.filter((x) => x.atMs >= HOUR);
const third = Math.max(1, Math.floor(after.length / 3));
const first = median(after.slice(0, third).map((x) => x.rss));
const last = median(after.slice(-third).map((x) => x.rss));
const fdsFirst = Math.max(...after.slice(0, third).map((x) => x.fds));
const fdsLast = Math.max(...after.slice(-third).map((x) => x.fds));
console.log(JSON.stringify({
  measured: 'dist/camera-sim.js under plain node',
  nodeArgs: DEPLOYED_NODE_ARGS,
  hours, simSpeed: speed, bitrateKbps: kbps, burstEveryMin: everyMin, realSeconds: Math.round(realSec), bursts, clips: clips.length,
  samples: samples.length,
  firstThirdMedianRssMB: mb(first),
  lastThirdMedianRssMB: mb(last),
  maxRssMB: mb(Math.max(...after.map((x) => x.rss))),
  lastOverFirstThird: Math.round((last / first) * 1000) / 1000,
  rssFlat: Math.abs(last / first - 1) <= 0.05,
  // Where RSS moves: V8's heap (reserved) and external memory (Buffers, freed only by a GC).
  heapTotalFirstLastMB: [mb(median(after.slice(0, third).map((x) => x.heap))), mb(median(after.slice(-third).map((x) => x.heap)))],
  heapUsedFirstLastMB: [mb(median(after.slice(0, third).map((x) => x.used))), mb(median(after.slice(-third).map((x) => x.used)))],
  externalFirstLastMB: [mb(median(after.slice(0, third).map((x) => x.ext))), mb(median(after.slice(-third).map((x) => x.ext)))],
  // The shape over the shift: median RSS of each camera-hour.
  rssByHourMB: Array.from({ length: Math.ceil(hours) }, (_, h) => samples.filter((x) => x.atMs >= h * HOUR && x.atMs < (h + 1) * HOUR).map((x) => x.rss))
    .map((a) => (a.length ? mb(median(a)) : null)),
  fdsFirstThirdMax: fdsFirst,
  fdsLastThirdMax: fdsLast,
  fdsMax: Math.max(...samples.map((x) => x.fds)),
  noFdGrowth: fdsLast <= fdsFirst,
}));
