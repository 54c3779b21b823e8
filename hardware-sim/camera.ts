// Simulated camera: ffmpeg's testsrc2 + sine through the real pipeline driver and TS splitter,
// or the synthetic generator when ffmpeg is missing or `synthetic` is asked for.
import { spawnSync } from 'node:child_process';
import type { VideoSource } from '../shared/hal.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { PipelineCamera } from '../firmware/drivers/camera.js';
import { SyntheticSource } from './synthetic-source.js';

export interface SimCameraOptions {
  width: number;
  height: number;
  fps: number;
  gop: number;
  bitrateKbps: number;
  synthetic?: boolean;
  clock?: Clock;
  /** Reuse segment buffers as the firmware's capture does (the sim board; off for tests that keep segments). */
  recycle?: boolean;
}

export function ffmpegAvailable(): boolean {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

export function testSourceCommand(o: SimCameraOptions): string[] {
  return [
    'ffmpeg', '-v', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', `${o.bitrateKbps}k`,
    '-g', String(o.gop), '-keyint_min', String(o.gop), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '32k', '-f', 'mpegts', '-',
  ];
}

export function createSimCamera(o: SimCameraOptions): VideoSource {
  const clock = o.clock ?? systemClock;
  if (o.synthetic || !ffmpegAvailable()) {
    return new SyntheticSource({ bitrateKbps: o.bitrateKbps, gopMs: Math.round((1000 * o.gop) / o.fps), clock, recycle: o.recycle });
  }
  return new PipelineCamera(testSourceCommand(o), clock, o.recycle);
}
