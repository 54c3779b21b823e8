// The simulated camera's control channel as docs/fleet-sim.md describes it, driven the way an outside
// program would: the camera started with a bare Unix socket as NODE_CHANNEL_FD, newline-delimited JSON
// on it (no fork(), no camera-process.ts). Press, stop, an unknown op, and a power cut (SIGKILL) whose
// torn clip the next boot of the same flash still lists.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';

const MAIN = path.resolve('hardware-sim/camera-main.ts');

interface Camera { proc: ChildProcess; ready: Promise<Record<string, unknown>>; send(cmd: object): Promise<{ ok: boolean; result?: Record<string, unknown>; error?: string }>; exited: Promise<NodeJS.Signals | number | null> }

function boot(configPath: string): Camera {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, configPath], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_CHANNEL_FD: '3', LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const channel = proc.stdio[3] as Socket;
  const waiting = new Map<number, (m: any) => void>();
  let onReady!: (s: Record<string, unknown>) => void;
  const ready = new Promise<Record<string, unknown>>((resolve) => (onReady = resolve));
  let buf = '';
  channel.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (m.event === 'ready') onReady(m.status);
      else if (typeof m.id === 'number') waiting.get(m.id)?.(m);
    }
  });
  channel.on('error', () => undefined);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code)));
  void exited.then((how) => onReady({ exitedAtBoot: how, stderr }));
  let next = 1;
  return {
    proc, ready, exited,
    send(cmd) {
      const id = next++;
      return new Promise((resolve) => { waiting.set(id, resolve); channel.write(`${JSON.stringify({ id, cmd })}\n`); });
    },
  };
}

test('press, stop, refuse an unknown op, and a power cut over a bare channel socket', async (t) => {
  t.timeout(120_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ctl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  provisionCamera(createFleetPki(), path.join(dir, 'trust'), 'cam-ctl', { epochs: 2 });
  const configPath = path.join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({
    deviceId: 'cam-ctl', purpose: 'guarding', hal: 'sim', prerecordSeconds: 2, longPressMs: 1500,
    paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust') },
    camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 400 },
  }));

  let cam = boot(configPath);
  t.teardown(() => void cam.proc.kill('SIGKILL'));
  const st = await cam.ready;
  t.is(st.deviceId, 'cam-ctl', JSON.stringify(st));
  t.is(st.recorder, 'idle');

  const pressed = await cam.send({ op: 'press' });
  t.true(pressed.ok);
  t.is(pressed.result!.recorder, 'recording');
  const stopped = await cam.send({ op: 'long-press' });
  t.is(stopped.result!.recorder, 'idle');
  t.is((stopped.result!.clipIds as string[]).length, 1);

  const bad = await cam.send({ op: 'jump' });
  t.false(bad.ok);
  t.regex(bad.error!, /unknown sim command "jump"/);

  // Power cut mid-recording: SIGKILL, then the same flash boots again and lists both clips.
  const second = await cam.send({ op: 'press' });
  t.is(second.result!.recorder, 'recording');
  const torn = (second.result!.clipIds as string[])[1];
  await new Promise((r) => setTimeout(r, 1500));
  cam.proc.kill('SIGKILL');
  t.is(await cam.exited, 'SIGKILL');

  cam = boot(configPath);
  const after = await cam.ready;
  t.is(after.clipsOnFlash, 2, JSON.stringify(after));
  t.is(after.recorder, 'idle');
  const status = await cam.send({ op: 'status' });
  t.true(status.ok);
  t.is(status.result!.clipsOnFlash, 2);
  t.truthy(torn);
  cam.proc.kill('SIGTERM');
  t.is(await cam.exited, 0);
});
