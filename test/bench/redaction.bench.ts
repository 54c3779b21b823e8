// Redaction (docs/redaction.md): frames per second of the two passes at 640x360 25 fps against real
// time and against a plain decode → encode through the same pipes (the baseline, measured in this run),
// CPU seconds per minute of video (this process, its detector threads and its ffmpeg children), and
// detection recall: faces found by the detector on every frame of the original (confidence ≥ 0.5)
// that the approved boxes cover, and faces still found in the redacted copy.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { analyseClip } from '../../central-store/redaction/analyse.js';
import { DetectPool } from '../../central-store/redaction/detect-pool.js';
import type { Box, Detection } from '../../central-store/redaction/detector.js';
import { decodeFrames, exited, feed, probe } from '../../central-store/redaction/ffmpeg.js';
import { boxesAt, checkPlan, type Plan } from '../../central-store/redaction/plan.js';
import { renderRedacted } from '../../central-store/redaction/render.js';
import { iou } from '../../central-store/redaction/tracker.js';
import { testVideo } from '../redaction/helpers.js';

const FPS = 25;
const mem = (b: Buffer) => async () => (async function* () { for (let o = 0; o < b.length; o += 1 << 16) yield b.subarray(o, o + (1 << 16)); })();

/** CPU seconds of this process (all threads) and its reaped children (ffmpeg), from /proc. */
function cpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}
async function timed<T>(fn: () => Promise<T>): Promise<{ r: T; wall: number; cpu: number }> {
  const c0 = cpu(), t0 = performance.now();
  const r = await fn();
  return { r, wall: (performance.now() - t0) / 1000, cpu: cpu() - c0 };
}

/** Baseline: decode to raw RGB and encode again with the same codecs and pipes, no detection, no blur. */
async function transcode(ts: Buffer): Promise<number> {
  const v = await probe(await mem(ts)());
  const enc = spawn('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${v.width}x${v.height}`, '-framerate', v.fps, '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-f', 'mpegts', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = exited(enc, 'encode');
  enc.stdout!.resume();
  let n = 0;
  const frames = (async function* () { for await (const f of decodeFrames(await mem(ts)(), v)) { n++; yield f; } })();
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
    pending.push(pool.detect(f, v.width, v.height).then((d) => { out.set(fr, d.filter((x) => x.score >= 0.5)); }));
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

async function one(name: string, ts: Buffer, pool: DetectPool) {
  const base = await timed(() => transcode(ts));
  const frames = base.r;
  const propose = await timed(() => analyseClip(mem(ts), { pool, detectEvery: 2 }));
  const a = propose.r;
  const plan: Plan = checkPlan({ v: 1, clipId: name, sourceSha256: '0'.repeat(64), video: a.video, detector: { model: 'blazeface', every: a.detectEvery, minScore: a.minScore },
    track: a.track, tracks: a.tracks, keep: [], boxes: [], mutes: [{ from: 1, to: 2 }], muteAll: false, reason: 'bench' });
  const render = await timed(async () => { const parts: Buffer[] = []; for await (const c of renderRedacted(mem(ts), plan)) parts.push(c); return Buffer.concat(parts); });
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
    frames, seconds: frames / FPS, tracks: a.tracks.length,
    baselineTranscodeFps: +(frames / base.wall).toFixed(1),
    proposeFps: +(frames / propose.wall).toFixed(1), renderFps: +(frames / render.wall).toFixed(1), pipelineFps: +(frames / total).toFixed(1),
    pipelineVsRealTime: +((frames / total) / FPS).toFixed(2), pipelineVsBaseline: +((frames / total) / (frames / base.wall)).toFixed(2),
    cpuSecondsPerMinute: { propose: +(propose.cpu / minutes).toFixed(1), render: +(render.cpu / minutes).toFixed(1), total: +((propose.cpu + render.cpu) / minutes).toFixed(1), baselineTranscode: +(base.cpu / minutes).toFixed(1) },
    recall: { facesPresent: present, facesCovered: found, recall: +(found / Math.max(1, present)).toFixed(3) },
    copy: { facesCheckedEvery2ndFrame: checked, stillDetected: leaks },
  };
}

const pool = await DetectPool.open({ minScore: 0.3 });
try {
  const group = await testVideo([1, 2, 3, 4, 5, 6], 1.68);
  const small = await testVideo([1, 5], 2, { small: true });
  const results = { threads: pool.threads, group: await one('group', group, pool), small: await one('small', small, pool) };
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally { await pool.close(); }
