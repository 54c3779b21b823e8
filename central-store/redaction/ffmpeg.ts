// ffmpeg plumbing for redaction: every byte of decrypted video travels through pipes between this
// process and ffmpeg (stdin/stdout/fd 3); nothing is written to a file. A failing source stream
// (a clip that fails verification) kills the ffmpeg it feeds and becomes the error of the whole run.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

export interface VideoInfo { width: number; height: number; fps: string }
/** Frames per second as a number ("25/1" → 25). */
export const fpsOf = (fps: string): number => { const [n, d] = fps.split('/').map(Number); return n! / (d || 1); };

export class MediaError extends Error {
  readonly code = 'corrupt';
}

/** Wait until a writable takes more (or is gone). */
export function drained(dst: Writable): Promise<void> {
  if (dst.destroyed || dst.writableFinished) return Promise.resolve(); // 'close' has been and gone
  return new Promise((r) => {
    const done = () => { dst.off('drain', done); dst.off('close', done); r(); };
    dst.on('drain', done);
    dst.on('close', done);
  });
}

/** Copy an async source into a child's pipe; resolves when done, rejects with the source's error. */
export async function feed(src: AsyncIterable<Buffer>, dst: Writable): Promise<void> {
  try {
    for await (const c of src) {
      if (dst.destroyed) return;
      if (!dst.write(c)) await drained(dst);
    }
    dst.end();
  } catch (err) {
    dst.destroy();
    throw err;
  }
}

/** Resolves with stderr's tail when the child exits 0, rejects otherwise. */
export function exited(p: ChildProcess, what: string): Promise<void> {
  let err = '';
  p.stderr?.on('data', (d: Buffer) => { err = (err + d.toString('utf8')).slice(-2000); });
  return new Promise((resolve, reject) => {
    p.once('error', (e) => reject(new Error(`${what}: ${e.message}`)));
    p.once('close', (code, sig) => code === 0 ? resolve() : reject(new MediaError(`${what} failed (${sig ?? `exit ${code}`}): ${err.trim().split('\n').slice(-3).join(' / ') || 'no message'}`)));
  });
}

/** Width, height and frame rate of the first video stream, read from the start of the clip. */
export async function probe(src: AsyncIterable<Buffer>): Promise<VideoInfo> {
  const p = spawn('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate', '-of', 'json', '-i', 'pipe:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin!.on('error', () => undefined); // ffprobe stops reading once it knows (EPIPE)
  let out = '';
  p.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  const done = exited(p, 'ffprobe');
  const fed = feed(src, p.stdin!).catch((err) => { p.kill('SIGKILL'); throw err; });
  await Promise.race([done, fed.then(() => done)]).catch(async (err) => { await fed; throw err; });
  const s = (JSON.parse(out || '{}') as { streams?: { width?: number; height?: number; r_frame_rate?: string }[] }).streams?.[0];
  if (!s?.width || !s.height || !/^\d+\/\d+$/.test(s.r_frame_rate ?? '') || !(fpsOf(s.r_frame_rate!) > 0)) throw new MediaError('the clip holds no readable video stream');
  return { width: s.width, height: s.height, fps: s.r_frame_rate! };
}

/** Split a byte stream into fixed-size frames (the last partial one is an error). */
export async function* framesOf(src: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let cur = Buffer.allocUnsafe(size);
  let at = 0;
  for await (const chunk of src) {
    let o = 0;
    while (o < chunk.length) {
      const n = Math.min(size - at, chunk.length - o);
      chunk.copy(cur, at, o, o + n);
      at += n; o += n;
      if (at === size) { yield cur; cur = Buffer.allocUnsafe(size); at = 0; }
    }
  }
  if (at) throw new MediaError(`decoder output ended inside a frame (${at} of ${size} bytes)`);
}

export type PixFmt = 'rgb24' | 'yuv420p';
/** Bytes of one raw frame: RGB24 is 3 per pixel; YUV 4:2:0 is a full luma plane and two quarter chroma planes. */
export function frameBytes(width: number, height: number, pixFmt: PixFmt): number {
  return pixFmt === 'rgb24' ? width * height * 3 : width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

export interface DecodeOptions {
  /** Output size (default: the video's own), scaled by ffmpeg with its area-averaging scaler. */
  width?: number; height?: number;
  pixFmt?: PixFmt;
}

/**
 * Decode a clip (MPEG-TS bytes) to raw frames (RGB24 at the video's size unless told otherwise). The
 * generator ends when ffmpeg has exited cleanly and the source was read to its verified end; otherwise
 * it throws the reason.
 */
export async function* decodeFrames(src: AsyncIterable<Buffer>, v: VideoInfo, format = 'mpegts', o: DecodeOptions = {}): AsyncGenerator<Buffer> {
  const w = o.width ?? v.width, h = o.height ?? v.height, pixFmt = o.pixFmt ?? 'rgb24';
  const p = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-f', format, '-i', 'pipe:0', '-map', '0:v:0', '-vsync', 'passthrough',
    ...(w !== v.width || h !== v.height ? ['-sws_flags', 'area'] : []),
    '-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${w}x${h}`, 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin!.on('error', () => undefined);
  const done = exited(p, 'ffmpeg decode');
  done.catch(() => undefined);
  let fedErr: unknown = null;
  const fed = feed(src, p.stdin!).catch((err) => { fedErr = err; p.kill('SIGKILL'); });
  try {
    yield* framesOf(p.stdout! as AsyncIterable<Buffer>, frameBytes(w, h, pixFmt));
    await fed;
    if (fedErr) throw fedErr;
    await done;
  } catch (err) {
    await fed;
    throw fedErr ?? err;
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL');
  }
}
