// The proposal pass: decode a clip through pipes, detect faces on every Nth frame in the detector
// threads, and link the detections into tracks for the officer to review. ffmpeg scales the frames to
// the detector's input size while decoding (C, not JS), and each frame moves to its thread uncopied.
import { DetectPool } from './detect-pool.js';
import { DETECT_SIZE, type Detection } from './detector.js';
import { decodeFrames, probe, type VideoInfo } from './ffmpeg.js';
import { buildTracks, TRACK_DEFAULTS, type Track, type TrackOptions } from './tracker.js';

export interface Analysis { video: VideoInfo & { frames: number }; detectEvery: number; minScore: number; track: TrackOptions; tracks: Track[]; detectedFrames: number }

/** Open the clip's verified plaintext (a fresh stream per call: the probe and the decoder each read it). */
export type OpenClip = () => Promise<AsyncIterable<Buffer>>;

/** Detect on every Nth frame by default; tracks cover the frames between (interpolation, hold, pad). */
export const DETECT_EVERY = 2;

export async function analyseClip(open: OpenClip, o: { pool: DetectPool; detectEvery?: number; track?: TrackOptions }): Promise<Analysis> {
  const every = o.detectEvery ?? DETECT_EVERY;
  const video = await probe(await open());
  const pending: Promise<{ frame: number; faces: Detection[] }>[] = [];
  const done: { frame: number; faces: Detection[] }[] = [];
  const limit = o.pool.threads * 2;
  let frames = 0;
  const S = DETECT_SIZE;
  for await (const f of decodeFrames(await open(), video, 'mpegts', { width: S, height: S })) {
    if (frames % every === 0) {
      const frame = frames;
      const p = o.pool.detect(f, S, S, { out: video, transfer: true }).then((faces) => ({ frame, faces }));
      p.catch(() => undefined); // awaited below; never an unhandled rejection when decoding fails first
      pending.push(p);
      // Bound the frames in flight; results are kept in frame order.
      if (pending.length >= limit) done.push(await pending.shift()!);
    }
    frames++;
  }
  done.push(...await Promise.all(pending));
  const track = o.track ?? TRACK_DEFAULTS;
  return { video: { ...video, frames }, detectEvery: every, minScore: o.pool.minScore, track, tracks: buildTracks(done, track), detectedFrames: done.length };
}
