// Redaction (docs/redaction.md): the whole pipeline (proposal pass + render pass) at 640x360 25 fps
// against real time and against a plain decode → encode through the same pipes (the baseline, measured
// in this run); CPU seconds per minute of video (this process, its detector threads and its ffmpeg
// children, from /proc: far less sensitive to a shared machine's load than frames per second); each
// stage's CPU measured alone; and detection recall: faces found by the detector on every frame of the
// original (confidence ≥ 0.5) that the approved boxes cover, and faces still found in the redacted copy.
// Stable keys per video: fps, realTimeFactor, cpuSecondsPerMinute, recall. `loadavg`: the 1-minute
// load average before and after, since every wall-clock figure depends on it.
// Usage: npm run bench -- redaction [--every=N] (detect on every Nth frame; default the store's)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { analyseClip, DETECT_EVERY } from '../../central-store/redaction/analyse.js';
import { blurYuv420 } from '../../central-store/redaction/blur.js';
import { DetectPool } from '../../central-store/redaction/detect-pool.js';
import { DETECT_SIZE, type Box, type Detection } from '../../central-store/redaction/detector.js';
import { decodeFrames, exited, feed, probe, type VideoInfo } from '../../central-store/redaction/ffmpeg.js';
import { boxesAt, checkPlan, type Plan } from '../../central-store/redaction/plan.js';
import { renderRedacted } from '../../central-store/redaction/render.js';
import { buildTracks, iou } from '../../central-store/redaction/tracker.js';
import { testVideo } from '../redaction/helpers.js';

const FPS = 25;
// `--every=N` (npm run bench passes only arguments that start with a dash).
const argEvery = process.argv.find((a) => a.startsWith('--every='));
const EVERY = argEvery ? Number(argEvery.slice(8)) : DETECT_EVERY;
if (!(Number.isInteger(EVERY) && EVERY >= 1 && EVERY <= 25)) throw new Error('--every=N: N must be a whole number 1-25');
const mem = (b: Buffer) => async () => (async function* () { for (let o = 0; o < b.length; o += 1 << 16) yield b.subarray(o, o + (1 << 16)); })();
const load = () => +os.loadavg()[0]!.toFixed(1);

/** CPU seconds of this process (all threads) and its reaped children (ffmpeg), from /proc. */
function cpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}
/** CPU seconds of this thread alone (the main thread: JS work such as tracking and blurring). */
const mainCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
async function timed<T>(fn: () => Promise<T>): Promise<{ r: T; wall: number; cpu: number }> {
  const c0 = cpu(), t0 = performance.now();
  const r = await fn();
  return { r, wall: (performance.now() - t0) / 1000, cpu: cpu() - c0 };
}

async function decodeAll(ts: Buffer, v: VideoInfo, o: Parameters<typeof decodeFrames>[3] = {}): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const f of decodeFrames(await mem(ts)(), v, 'mpegts', o)) out.push(f);
  return out;
}

/** Encode raw yuv420p frames with the render's video codec settings; output discarded. */
async function encode(frames: Buffer[], v: VideoInfo): Promise<void> {
  const enc = spawn('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${v.width}x${v.height}`, '-framerate', v.fps, '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-f', 'mpegts', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = exited(enc, 'encode');
  enc.stdout!.resume();
  await feed((async function* () { yield* frames; })(), enc.stdin!);
  await done;
}

/** Baseline: decode to raw YUV and encode again with the same codec through the same pipes; no detection, no blur. */
async function transcode(ts: Buffer, v: VideoInfo): Promise<number> {
  const enc = spawn('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${v.width}x${v.height}`, '-framerate', v.fps, '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-f', 'mpegts', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = exited(enc, 'encode');
  enc.stdout!.resume();
  let n = 0;
  const frames = (async function* () { for await (const f of decodeFrames(await mem(ts)(), v, 'mpegts', { pixFmt: 'yuv420p' })) { n++; yield f; } })();
  await feed(frames, enc.stdin!);
  await done;
  return n;
}

async function detectAll(pool: DetectPool, ts: Buffer, every = 1): Promise<Map<number, Detection[]>> {
  const v = await probe(await mem(ts)());
  const out = new Map<number, Detection[]>();
  const pending: Promise<void>[] = [];
  let i = 0;
  for await (const f of decodeFrames(await mem(ts)(), v)) {
    const fr = i++;
    if (fr % every) continue;
    pending.push(pool.detect(f, v.width, v.height, { transfer: true }).then((d) => { out.set(fr, d.filter((x) => x.score >= 0.5)); }));
    if (pending.length >= 4) await Promise.all(pending.splice(0, 2));
  }
  await Promise.all(pending);
  return out;
}

const covered = (face: Box, boxes: Box[]) => boxes.some((b) => {
  const ix = Math.max(0, Math.min(face.x + face.w, b.x + b.w) - Math.max(face.x, b.x));
  const iy = Math.max(0, Math.min(face.y + face.h, b.y + b.h) - Math.max(face.y, b.y));
  return ix * iy >= 0.9 * face.w * face.h;
});

/** Each stage alone, CPU seconds per minute of video. */
async function stages(ts: Buffer, v: VideoInfo, pool: DetectPool, plan: Plan, frames: number) {
  const perMin = (s: number) => +(s / (frames / FPS / 60)).toFixed(1);
  const S = DETECT_SIZE;
  const decodeSmall = await timed(() => decodeAll(ts, v, { width: S, height: S }));
  const decodeYuv = await timed(() => decodeAll(ts, v, { pixFmt: 'yuv420p' }));
  const decodeRgb = await timed(() => decodeAll(ts, v));
  const small = decodeSmall.r.filter((_, i) => i % EVERY === 0);
  const detect = await timed(() => Promise.all(small.map((f) => pool.detect(f, S, S, { out: v })).map((p, i) => p.then((faces) => ({ frame: i * EVERY, faces })))));
  // The old way, for comparison: full-size RGB frames resized by tfjs in the detector thread.
  const full = decodeRgb.r.filter((_, i) => i % EVERY === 0);
  const detectFull = await timed(() => Promise.all(full.map((f) => pool.detect(f, v.width, v.height))));
  let c0 = mainCpu();
  buildTracks(detect.r, plan.track);
  const track = mainCpu() - c0;
  c0 = mainCpu();
  decodeYuv.r.forEach((f, i) => { for (const b of boxesAt(plan, i)) blurYuv420(f, v.width, v.height, b); });
  const blur = mainCpu() - c0;
  const enc = await timed(() => encode(decodeYuv.r, v));
  return {
    decodeScaledForDetector: perMin(decodeSmall.cpu), decodeYuvForRender: perMin(decodeYuv.cpu), decodeFullRgbOldWay: perMin(decodeRgb.cpu),
    detector: perMin(detect.cpu), detectorFullSizeOldWay: perMin(detectFull.cpu),
    detectorMsPerDetectedFrame: +(detect.cpu * 1000 / small.length).toFixed(1),
    tracking: perMin(track), blur: perMin(blur), blurMsPerFrame: +(blur * 1000 / frames).toFixed(2), encode: perMin(enc.cpu),
  };
}

async function one(name: string, ts: Buffer, pool: DetectPool) {
  const v = await probe(await mem(ts)());
  const loadBefore = load();
  const base = await timed(() => transcode(ts, v));
  const frames = base.r;
  const propose = await timed(() => analyseClip(mem(ts), { pool, detectEvery: EVERY }));
  const a = propose.r;
  const plan: Plan = checkPlan({ v: 1, clipId: name, sourceSha256: '0'.repeat(64), video: a.video, detector: { model: 'blazeface', every: a.detectEvery, minScore: a.minScore },
    track: a.track, tracks: a.tracks, keep: [], boxes: [], mutes: [{ from: 1, to: 2 }], muteAll: false, reason: 'bench' });
  const render = await timed(async () => { const parts: Buffer[] = []; for await (const c of renderRedacted(mem(ts), plan)) parts.push(c); return Buffer.concat(parts); });
  const loadAfter = load();
  // Recall against every frame of the original; leaks on every 2nd frame of the copy.
  const truth = await detectAll(pool, ts, 1);
  let present = 0, found = 0;
  for (const [fr, faces] of truth) for (const f of faces) { present++; if (covered(f, boxesAt(plan, fr))) found++; }
  const after = await detectAll(pool, render.r, 2);
  let leaks = 0, checked = 0;
  for (const [fr, faces] of after) {
    const orig = truth.get(fr) ?? [];
    checked += orig.length;
    leaks += orig.filter((o) => faces.some((d) => iou(o, d) >= 0.2)).length;
  }
  const minutes = frames / FPS / 60;
  const total = propose.wall + render.wall;
  return {
    fps: +(frames / total).toFixed(1),
    realTimeFactor: +((frames / total) / FPS).toFixed(2),
    cpuSecondsPerMinute: +((propose.cpu + render.cpu) / minutes).toFixed(1),
    recall: +(found / Math.max(1, present)).toFixed(3),
    loadavg: { before: loadBefore, after: loadAfter },
    frames, seconds: frames / FPS, detectEvery: a.detectEvery, tracks: a.tracks.length,
    passes: {
      proposeFps: +(frames / propose.wall).toFixed(1), renderFps: +(frames / render.wall).toFixed(1),
      baselineTranscodeFps: +(frames / base.wall).toFixed(1), pipelineVsBaseline: +((frames / total) / (frames / base.wall)).toFixed(2),
      cpuSecondsPerMinute: { propose: +(propose.cpu / minutes).toFixed(1), render: +(render.cpu / minutes).toFixed(1), baselineTranscode: +(base.cpu / minutes).toFixed(1) },
    },
    stagesCpuSecondsPerMinute: await stages(ts, v, pool, plan, frames),
    recallDetail: { facesPresent: present, facesCovered: found },
    copy: { facesCheckedEvery2ndFrame: checked, stillDetected: leaks },
  };
}

const pool = await DetectPool.open({ minScore: 0.3 });
try {
  // V8 compiles the hot wasm kernels to optimised code in the background during the first few dozen
  // detections of each thread (≈ 0.5 CPU s per thread beyond the detections themselves, once per store
  // process): done here, reported apart, so the per-minute figures are the steady state of a store that
  // has detected before.
  const warm = await timed(() => Promise.all(Array.from({ length: 60 * pool.threads }, () => pool.detect(Buffer.alloc(DETECT_SIZE * DETECT_SIZE * 3, 100), DETECT_SIZE, DETECT_SIZE))));
  const group = await testVideo([1, 2, 3, 4, 5, 6], 1.68);
  const small = await testVideo([1, 5], 2, { small: true });
  const results = { threads: pool.threads, detectEvery: EVERY, warmUp: { detections: 60 * pool.threads, cpuSeconds: +warm.cpu.toFixed(2) }, group: await one('group', group, pool), small: await one('small', small, pool) };
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally { await pool.close(); }
