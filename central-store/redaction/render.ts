// The redacted copy: the clip's plaintext goes through pipes only: decrypting stream → ffmpeg decode
// (to the decoder's own YUV 4:2:0: no colour conversion either way) → blur the plan's boxes in this process → ffmpeg encode (audio taken from a second decrypting
// stream, muted by a volume filter with enable ranges) → the caller, which streams it into the
// encrypted package. Any failure (clip fails verification, decodes to a different number of frames
// than the plan covers, ffmpeg error) ends the output with an error, so nothing half-rendered is kept.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { blurYuv420 } from './blur.js';
import { decodeFrames, drained, exited, feed, MediaError, probe } from './ffmpeg.js';
import type { OpenClip } from './analyse.js';
import { boxesAt, checkPlan, type Plan } from './plan.js';

export type OutputFormat = 'mpegts' | 'lossless';
export interface RenderResult { frames: number; sourcePlainSha256: string }

const CODECS: Record<OutputFormat, string[]> = {
  mpegts: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-c:a', 'aac', '-b:a', '96k', '-f', 'mpegts'],
  // Tests: picture bit-exact outside the boxes (lossless 4:2:0), audio as FLAC.
  lossless: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-c:a', 'flac', '-f', 'matroska'],
};

/** The ffmpeg audio filter for the plan's mutes (null when nothing is muted). */
export function muteFilter(p: Plan): string | null {
  if (p.muteAll) return 'volume=0';
  if (!p.mutes.length) return null;
  return `volume=0:enable='${p.mutes.map((m) => `between(t,${m.from},${m.to})`).join('+')}'`;
}

async function write(dst: Writable, b: Buffer): Promise<void> {
  if (dst.destroyed) throw new MediaError('encoder stopped taking frames');
  if (!dst.write(b)) await drained(dst);
}

/**
 * Render the redacted copy as a stream of container bytes. `done` is called with the frame count and
 * the source plaintext's SHA-256 before the last chunk is handed out.
 */
export async function* renderRedacted(open: OpenClip, plan: Plan, o: { format?: OutputFormat; done?: (r: RenderResult) => void } = {}): AsyncGenerator<Buffer> {
  const p = checkPlan(plan);
  const v = await probe(await open());
  if (v.width !== p.video.width || v.height !== p.video.height || v.fps !== p.video.fps) {
    throw new MediaError(`the clip is ${v.width}x${v.height} at ${v.fps} fps, the plan is for ${p.video.width}x${p.video.height} at ${p.video.fps}`);
  }
  const af = muteFilter(p);
  const enc = spawn('ffmpeg', ['-v', 'error', '-nostdin',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${v.width}x${v.height}`, '-framerate', v.fps, '-i', 'pipe:0',
    '-thread_queue_size', '1024', '-f', 'mpegts', '-i', 'pipe:3',
    '-map', '0:v:0', '-map', '1:a:0?', ...(af ? ['-af', af] : []), ...CODECS[o.format ?? 'mpegts'], 'pipe:1'],
  { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const encIn = enc.stdin!, audioIn = enc.stdio[3] as Writable;
  encIn.on('error', () => undefined);
  audioIn.on('error', () => undefined);
  const encDone = exited(enc, 'ffmpeg encode');
  encDone.catch(() => undefined);

  const hash = createHash('sha256');
  const src = await open();
  const hashed = (async function* () { for await (const c of src) { hash.update(c); yield c; } })();
  let failed: unknown = null;
  const fail = (err: unknown) => { failed ??= err; enc.kill('SIGKILL'); };
  const audio = feed(await open(), audioIn).catch(fail);
  let frames = 0;
  const video = (async () => {
    for await (const f of decodeFrames(hashed, v, 'mpegts', { pixFmt: 'yuv420p' })) {
      if (frames >= p.video.frames) throw new MediaError(`the clip decodes to more than the ${p.video.frames} frames the plan covers`);
      for (const b of boxesAt(p, frames)) blurYuv420(f, v.width, v.height, b);
      await write(encIn, f);
      frames++;
    }
    if (frames !== p.video.frames) throw new MediaError(`the clip decodes to ${frames} frames, the plan covers ${p.video.frames} (truncated or altered source)`);
    encIn.end();
  })().catch(fail);
  try {
    for await (const chunk of enc.stdout! as AsyncIterable<Buffer>) {
      if (failed) break;
      yield chunk;
    }
    await Promise.all([video, audio]);
    if (failed) throw failed;
    await encDone;
    o.done?.({ frames, sourcePlainSha256: hash.digest('hex') });
  } catch (err) {
    throw failed ?? err;
  } finally {
    if (enc.exitCode === null) enc.kill('SIGKILL');
  }
}
