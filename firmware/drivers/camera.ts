// Real camera driver: spawns a capture pipeline that writes MPEG-TS to stdout and splits it into
// GOP-aligned segments. The default command captures V4L2 video + ALSA audio with ffmpeg.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Unsubscribe, VideoSegment, VideoSource } from '../../shared/hal.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { TsSplitter } from './ts-splitter.js';

export const DEFAULT_CAPTURE_COMMAND = [
  'ffmpeg', '-v', 'error', '-f', 'v4l2', '-i', '/dev/video0', '-f', 'alsa', '-i', 'default',
  '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '8M', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
  '-c:a', 'aac', '-f', 'mpegts', '-',
];

export class PipelineCamera implements VideoSource {
  private child: ChildProcess | undefined;
  private segL = new Set<(s: VideoSegment) => void>();
  private errL = new Set<(e: Error) => void>();
  private stopping = false;
  constructor(
    private readonly command: string[] = DEFAULT_CAPTURE_COMMAND,
    private readonly clock: Clock = systemClock,
    /** Reuse segment buffers (VideoSegment.retain): the firmware's listeners honour it; off, each segment is new. */
    private readonly recycle = false,
  ) {}

  onSegment(l: (s: VideoSegment) => void): Unsubscribe {
    this.segL.add(l);
    return () => this.segL.delete(l);
  }
  onError(l: (e: Error) => void): Unsubscribe {
    this.errL.add(l);
    return () => this.errL.delete(l);
  }
  private fail(e: Error): void {
    for (const l of [...this.errL]) l(e);
  }

  async start(): Promise<void> {
    const [cmd, ...args] = this.command;
    this.stopping = false;
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const splitter = new TsSplitter(this.clock, undefined, this.recycle ? { listeners: this.segL } : undefined);
    child.stdout!.pipe(splitter);
    splitter.on('data', (s: VideoSegment) => {
      for (const l of [...this.segL]) l(s);
    });
    child.on('error', (e) => this.fail(new Error(`camera: cannot start ${cmd}: ${e.message}`)));
    child.on('exit', (code, sig) => {
      if (!this.stopping) this.fail(new Error(`camera: capture pipeline exited (${code ?? sig}): ${stderr.trim()}`));
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise((r) => {
      c.once('exit', r);
      c.kill('SIGTERM');
    });
  }
}
