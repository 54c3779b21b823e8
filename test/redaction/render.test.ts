// The redacted copy, end to end on real parts: a real encrypted clip made from group photographs,
// the real detector, real ffmpeg. Checks what the copy must and must not show, that nothing else in
// the picture changes, that muted audio is digital silence, and that no plaintext video reaches a disk.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyseClip, type Analysis } from '../../central-store/redaction/analyse.js';
import { DetectPool } from '../../central-store/redaction/detect-pool.js';
import type { Detection } from '../../central-store/redaction/detector.js';
import { decodeFrames } from '../../central-store/redaction/ffmpeg.js';
import { boxesAt, checkPlan, type Plan } from '../../central-store/redaction/plan.js';
import { renderRedacted, type OutputFormat, type RenderResult } from '../../central-store/redaction/render.js';
import { iou, trackBoxAt } from '../../central-store/redaction/tracker.js';
import type { Fixture } from '../store/store-helpers.js';
import { storeWithVideo, testVideo } from './helpers.js';

// ffmpeg and this process get their own temp dir, scanned for plaintext video below.
const TMP = mkdtempSync(path.join(os.tmpdir(), 'redact-tmp-'));
process.env.TMPDIR = TMP;

let pool: DetectPool;
let video: Buffer;
let f: Fixture;
let clipId: string;
let a: Analysis;
const V = { width: 640, height: 360, fps: '25/1' };

test.before(async (t) => {
  [pool, video] = await Promise.all([DetectPool.open({ minScore: 0.3 }), testVideo()]);
  ({ f, clipId } = await storeWithVideo({ teardown: (fn) => t.context = fn }, video));
  a = await analyseClip(open, { pool }); // the store's default: detect on every DETECT_EVERY-th frame
});
test.after.always(async (t) => {
  await pool?.close();
  await (t.context as unknown as (() => Promise<void>) | undefined)?.();
  rmSync(TMP, { recursive: true, force: true });
});

const open = async () => f.store.openPlaintext(clipId);
const mem = (b: Buffer) => (async function* () { for (let o = 0; o < b.length; o += 65536) yield b.subarray(o, o + 65536); })();

function plan(over: Partial<Plan> = {}): Plan {
  return checkPlan({
    v: 1, clipId, sourceSha256: 'a'.repeat(64), video: a.video, detector: { model: 'blazeface', every: a.detectEvery, minScore: a.minScore },
    track: a.track, tracks: a.tracks, keep: [], boxes: [], mutes: [], muteAll: false, reason: 'bystanders in a shop', ...over,
  });
}

async function render(p: Plan, format: OutputFormat = 'mpegts'): Promise<{ out: Buffer; r: RenderResult }> {
  const parts: Buffer[] = [];
  let r: RenderResult | undefined;
  for await (const c of renderRedacted(open, p, { format, done: (x) => { r = x; } })) parts.push(c);
  return { out: Buffer.concat(parts), r: r! };
}

async function frames(b: Buffer): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const fr of decodeFrames(mem(b), V, b.subarray(0, 4).toString('latin1') === '\x1aE\xdf\xa3' ? 'matroska' : 'mpegts')) out.push(fr);
  return out;
}

/** Faces at confidence ≥ 0.5 on every 2nd frame. */
async function detectEvery2nd(b: Buffer): Promise<Map<number, Detection[]>> {
  const fs = await frames(b);
  const res = await Promise.all(fs.map((fr, i) => (i % 2 ? null : pool.detect(fr, 640, 360))));
  return new Map(res.flatMap((d, i) => (d ? [[i, d.filter((x) => x.score >= 0.5)] as [number, Detection[]]] : [])));
}

let first: Buffer | undefined;
const keptTrack = () => [...a.tracks].sort((x, y) => y.keys.length - x.keys.length)[0]!;

test.serial('the copy shows no face of the original except the kept one, which is still detected; nothing reaches the disk', async (t) => {
  const kept = keptTrack();
  t.true(kept.keys.length >= 10, 'a long track to keep');
  // Watch the data and temp dirs for MPEG-TS (sync byte 0x47 every 188 bytes) while rendering.
  const hits: string[] = [];
  let scanning = true;
  const scan = (async () => { while (scanning) { hits.push(...tsFilesUnder([f.dir, TMP])); await new Promise((r) => setTimeout(r, 25)); } })();
  const { out, r } = await render(plan({ keep: [kept.id], mutes: [{ from: 1, to: 2 }] }));
  first = out;
  scanning = false;
  await scan;
  hits.push(...tsFilesUnder([f.dir, TMP]));
  t.deepEqual([...new Set(hits)], [], 'no plaintext video file in the data or temp dirs');
  t.is(r.frames, 80);

  const found = await detectEvery2nd(out);
  t.is(found.size, 40);
  const noPad = { ...a.track, pad: 0 };
  const leaks: string[] = [];
  let keptSeen = 0, keptKeys = 0;
  for (const [i, dets] of found) {
    for (const d of dets) for (const tr of a.tracks) {
      if (tr.id === kept.id) continue;
      const b = trackBoxAt(tr, i, noPad);
      if (b && iou(b, d) >= 0.2) leaks.push(`frame ${i}: ${tr.id} (iou ${iou(b, d).toFixed(2)}, score ${d.score.toFixed(2)})`);
    }
    const key = kept.keys.find((k) => k[0] === i && k[5] >= 50);
    if (key) {
      keptKeys++;
      if (dets.some((d) => iou({ x: key[1], y: key[2], w: key[3], h: key[4] }, d) >= 0.5)) keptSeen++;
    }
  }
  t.deepEqual(leaks, [], 'no detection overlaps a blurred track');
  t.true(keptKeys >= 5 && keptSeen / keptKeys >= 0.8, `kept face found in ${keptSeen} of ${keptKeys} frames`);
});

test.serial('muted ranges are digital silence; the rest is sound and the audio keeps its length', async (t) => {
  const out = first!; // rendered above with 1-2 s muted
  t.truthy(out);
  t.is(await peakDb(out, 1.1, 1.9), -Infinity, 'muted: every sample zero');
  t.true(await peakDb(out, 0.2, 0.8) > -20, 'not muted: the tone');
  t.true(await peakDb(out, 2.2, 3.0) > -20, 'not muted after the range');
  const before = await audioSamples(video), after = await audioSamples(out);
  t.true(Math.abs(after - before) <= 1024, `audio samples ${before} → ${after}`);
});

test.serial('with a lossless encode not one pixel changes outside the redaction boxes (and a whole muted track is silent)', async (t) => {
  const p = plan({ boxes: [{ id: 'b1', from: 10, to: 30, x: 500, y: 250, w: 120, h: 90, note: 'a name badge' }], muteAll: true });
  const [src, { out }] = await Promise.all([frames(video), render(p, 'lossless')]);
  const red = await frames(out);
  t.is(red.length, src.length);
  let outside = 0, inside = 0;
  for (let i = 0; i < src.length; i++) {
    const mask = new Uint8Array(640 * 360);
    for (const b of boxesAt(p, i)) for (let y = b.y; y < b.y + b.h; y++) mask.fill(1, y * 640 + b.x, y * 640 + b.x + b.w);
    for (let px = 0; px < 640 * 360; px++) {
      const o = px * 3;
      const diff = src[i]![o] !== red[i]![o] || src[i]![o + 1] !== red[i]![o + 1] || src[i]![o + 2] !== red[i]![o + 2];
      if (diff) { if (mask[px]) inside++; else outside++; }
    }
  }
  t.is(outside, 0, 'changed pixels outside the boxes');
  t.true(inside > 100_000, `${inside} pixels blurred inside the boxes`);
  // The manual box is blurred in its frames only.
  const badge = (fr: Buffer) => fr.subarray((300 * 640 + 560) * 3, (300 * 640 + 560) * 3 + 3);
  t.notDeepEqual(badge(red[20]!), badge(src[20]!));
  t.is(await peakDb(out, 0.02, 3.15), -Infinity, 'whole track muted');
});

test.serial('refused, naming the reason: plan frames out of range, a truncated or altered clip, a clip shorter than its plan', async (t) => {
  const e1 = t.throws(() => plan({ boxes: [{ id: 'b1', from: 70, to: 80, x: 0, y: 0, w: 10, h: 10 }] }));
  t.regex(e1!.message, /plan\.boxes b1: frames 70-80 out of range \(the clip has frames 0-79\)/);
  const e2 = t.throws(() => plan({ keep: ['t999'] }));
  t.regex(e2!.message, /plan\.keep: no track t999/);

  const e3 = await t.throwsAsync(render(plan({ video: { ...a.video, frames: 100 } })));
  t.regex(e3!.message, /decodes to 80 frames, the plan covers 100/);

  const { f: g, clipId: cut } = await storeWithVideo(t, video);
  const file = g.blobs.pathOf(cut);
  truncateSync(file, Math.floor(statSync(file).size * 0.6));
  const parts: Buffer[] = [];
  const e4 = await t.throwsAsync((async () => { for await (const c of renderRedacted(async () => g.store.openPlaintext(cut), plan())) parts.push(c); })());
  t.is((e4 as { code?: string }).code, 'corrupt');
  t.regex(e4!.message, /torn|truncated|no final segment/);
});

function tsFilesUnder(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let es;
    try { es = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of es) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) { try { if (looksLikeTs(readFileSync(p))) out.push(p); } catch { /* removed meanwhile */ } }
    }
  };
  dirs.forEach(walk);
  return out;
}
/** Five sync bytes 188 apart anywhere in the file's first 64 KiB. */
function looksLikeTs(b: Buffer): boolean {
  const n = Math.min(b.length, 65536);
  for (let i = 0; i + 188 * 4 < n; i++) if ([0, 1, 2, 3, 4].every((k) => b[i + 188 * k] === 0x47)) return true;
  return false;
}

async function peakDb(media: Buffer, from: number, to: number): Promise<number> {
  const err = await ffmpegStderr(media, ['-af', `atrim=${from}:${to},astats=metadata=0:reset=0`, '-f', 'null', '-']);
  const m = /Overall[\s\S]*?Peak level dB: (-?inf|-?[\d.]+)/.exec(err);
  if (!m) throw new Error(`no astats in: ${err.slice(-500)}`);
  return m[1]!.endsWith('inf') ? -Infinity : Number(m[1]);
}
async function audioSamples(media: Buffer): Promise<number> {
  const p = spawn('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-map', '0:a:0', '-ac', '1', '-f', 's16le', 'pipe:1']);
  p.stdin.on('error', () => undefined);
  p.stdin.end(media);
  let n = 0;
  for await (const c of p.stdout) n += (c as Buffer).length;
  return n / 2;
}
async function ffmpegStderr(media: Buffer, args: string[]): Promise<string> {
  const p = spawn('ffmpeg', ['-v', 'info', '-nostats', '-i', 'pipe:0', ...args]);
  p.stdin.on('error', () => undefined);
  p.stdin.end(media);
  let err = '';
  p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  await new Promise((r) => p.on('close', r));
  return err;
}
