// Playback for the browser: the clip's verified MPEG-TS (decrypted as it streams) is remuxed to
// fragmented MP4 by ffmpeg through pipes (-c copy: no re-encoding), so no plaintext touches the disk.
// Why not HLS: docs/web-office.md ("Playback").
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';

export interface Remux { output: Readable; done: Promise<void>; kill(): void }

export const FFMPEG_ARGS = [
  '-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'mpegts', '-i', 'pipe:0',
  // Video copied as it is; the first audio track, if the clip has one, as AAC-LC (what MSE plays in MP4).
  '-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '128k',
  '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1',
];

/** Start ffmpeg over `ts`; `done` rejects when the source or ffmpeg fails (naming which). */
export function remuxToFmp4(ts: Readable, ffmpeg = 'ffmpeg'): Remux {
  const p = spawn(ffmpeg, FFMPEG_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (c: Buffer) => { if (stderr.length < 2000) stderr += c.toString('utf8'); });
  let sourceError: Error | undefined;
  ts.on('error', (err) => { sourceError = err; p.stdin.destroy(); p.kill('SIGKILL'); });
  p.stdin.on('error', () => undefined); // ffmpeg gone: reported by its exit below
  ts.pipe(p.stdin);
  const done = new Promise<void>((resolve, reject) => {
    p.on('error', (err) => reject(new Error(`ffmpeg could not start: ${err.message}`)));
    p.on('close', (code, signal) => {
      if (sourceError) reject(sourceError);
      else if (code === 0) resolve();
      else reject(new Error(`ffmpeg remux failed (${code ?? signal}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
  return { output: p.stdout, done, kill: () => { ts.destroy(); p.kill('SIGKILL'); } };
}
