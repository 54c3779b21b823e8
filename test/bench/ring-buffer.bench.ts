// Ring buffer memory: RSS with a full 60 s buffer at 8 Mbit/s vs the buffered payload
// (target ≤ 1.25 × payload + 40 MB), and RSS flatness over a long run (many buffer turnovers).
// Segments are fed directly with synthetic timestamps (accelerated: no timers).
import { RingBuffer } from '../../firmware/ring-buffer.js';
import type { VideoSegment } from '../../shared/hal.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
const GOP_MS = 1000;
const bytesPerSeg = Math.floor((8_000_000 / 8) * (GOP_MS / 1000) / 188) * 188;

function seg(seq: number): VideoSegment {
  const data = Buffer.allocUnsafe(bytesPerSeg);
  data.fill(seq & 0xff);
  return { seq, startMs: seq * GOP_MS, durationMs: GOP_MS, keyframe: true, data, audioPids: [] };
}

gc();
const baseline = process.memoryUsage().rss;
const rb = new RingBuffer({ seconds: 60, maxBytes: 200 * 1024 * 1024, keepAudio: true });
let seq = 0;
for (; seq < 60; seq++) rb.push(seg(seq));
gc();
const fullRss = process.memoryUsage().rss;
const payload = rb.byteLength();
const samples: number[] = [];
const turnovers = Number(process.env.RING_BENCH_TURNOVERS ?? 20);
// No forced GC in the long run: RSS here is what the camera would see, garbage included.
for (let k = 0; k < turnovers; k++) {
  for (let i = 0; i < 60; i++) {
    rb.push(seg(seq++));
    if (i % 10 === 0) samples.push(process.memoryUsage().rss);
  }
}
// Flatness: median of the last third vs the first third (single samples swing with GC timing).
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const third = Math.max(1, Math.floor(samples.length / 3));
const growth = median(samples.slice(-third)) - median(samples.slice(0, third));
const target = 1.25 * payload + 40 * 1024 * 1024;
console.log(
  JSON.stringify({
    bitrateMbps: 8,
    bufferSeconds: rb.spanMs() / 1000,
    payloadMB: mb(payload),
    baselineRssMB: mb(baseline),
    fullRssMB: mb(fullRss),
    rssOverBaselineMB: mb(fullRss - baseline),
    ratioRssToPayload: Math.round((fullRss / payload) * 100) / 100,
    targetMB: mb(target),
    // Whole-process RSS includes tsx + node (~75 MB here, more than the 40 MB allowance);
    // the second figure holds the buffer's own cost to the same target.
    meetsTargetWholeProcess: fullRss <= target,
    ratioOverBaselineToPayload: Math.round(((fullRss - baseline) / payload) * 100) / 100,
    meetsTargetOverBaseline: fullRss - baseline <= target,
    longRunTurnovers: turnovers,
    longRunRssGrowthMB: mb(growth),
    longRunMedianRssMB: mb(median(samples)),
    longRunMaxRssMB: mb(Math.max(...samples)),
    longRunMaxOverBaselineToPayload: Math.round(((Math.max(...samples) - baseline) / payload) * 100) / 100,
    mallocMmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
  }),
);
