// `bodycam camera set-clock` end to end: the real CLI process with a technician's trust store talks
// to the real firmware process (sim HAL) over a socat pty. Outside the camera's window only --force
// with a --reason moves the clock, and the camera's device log keeps who, the basis and the reason.
import test from 'ava';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { dockOnFreshPty } from './dock-pty.js';
import { startCameraProcess, type CameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { writeDurable } from '../../shared/durable-file.js';
import { issueCertificate } from '../../shared/pki/ca.js';
import { paths, writeIdentity } from '../../shared/pki/trust-store.js';
import { openSerialLine } from '../../shared/serial-port.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pki = createFleetPki();
let cam: CameraProcess;
let dir: string;
let techDir: string;
let dockAsTech: string;

test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'set-clock-cli-'));
  provisionCamera(pki, path.join(dir, 'trust'), 'cam-clk');
  cam = await startCameraProcess(dir, {
    deviceId: 'cam-clk', purpose: 'guarding', hal: 'sim', prerecordSeconds: 1,
    paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust') }, camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
  });
  const store = (name: string, id: { keyPem: string; certPem: string }) => {
    const d = path.join(dir, name);
    writeIdentity(d, id.keyPem, id.certPem);
    writeDurable(paths(d).ca, pki.ca.certPem);
    return d;
  };
  techDir = store('tech', issueCertificate({ role: 'technician', id: 'tech-ann', ca: pki.ca }));
  dockAsTech = store('dock-store', pki.dock);
});
test.after.always(async () => {
  await cam?.kill9();
  await rm(dir, { recursive: true, force: true });
});

const dock = (t: import('ava').ExecutionContext) => dockOnFreshPty(t, cam);

function cli(args: string[]): Promise<{ code: number; out: Record<string, any>; err: string }> {
  const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/bodycam.ts'), 'camera', 'set-clock', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => p.once('exit', (code) => {
    let parsed: Record<string, any> = {};
    try { parsed = JSON.parse(out.trim().split('\n').at(-1) ?? '{}'); } catch { /* reported by the assertions */ }
    resolve({ code: code ?? -1, out: parsed, err });
  }));
}
const cameraNow = async () => Number((await cam.send({ op: 'status' })).now);

test.serial('usage errors name the flag and exit 2 before any camera is touched', async (t) => {
  const [noReason, reasonOnly, long, badAt] = await Promise.all([
    ['--force'], ['--reason', 'x'], ['--force', '--reason', 'x'.repeat(501)], ['--at', 'yesterday'],
  ].map((a) => cli(['--identity', techDir, '--port', '/dev/null', ...a])));
  t.is(noReason!.code, 2);
  t.regex(noReason!.err, /--reason: required with --force/);
  t.is(reasonOnly!.code, 2);
  t.regex(reasonOnly!.err, /--reason: only with --force/);
  t.is(long!.code, 2);
  t.regex(long!.err, /--reason: at most 500 characters/);
  t.is(badAt!.code, 2);
  t.regex(badAt!.err, /--at: expected ISO 8601 or Unix ms/);
  const help = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/bodycam.ts'), 'camera', 'set-clock', '--help'], { cwd: ROOT, encoding: 'utf8' });
  t.is(help.status, 0);
  t.regex(help.stdout, /usage: bodycam camera set-clock/);
});

test.serial('a technician forces the clock 3 days ahead with a reason: refused without --force, set with it, logged with who and why', async (t) => {
  const target = Date.now() + 3 * 86_400_000;
  const before = await cameraNow();
  const plain = await cli(['--identity', techDir, '--port', await dock(t), '--at', String(target)]);
  t.is(plain.code, 1, plain.err);
  t.like(plain.out, { outcome: 'refused', deviceId: 'cam-clk' });
  t.regex(plain.out.reason, /BAD_REQUEST: epochMs/);
  t.true(Math.abs((await cameraNow()) - before) < 60_000, 'a refused set moved the clock');

  const forced = await cli(['--identity', techDir, '--port', await dock(t), '--at', new Date(target).toISOString(), '--force', '--reason', 'RTC battery replaced, clock lost']);
  t.is(forced.code, 0, forced.err);
  t.like(forced.out, { outcome: 'set', deviceId: 'cam-clk', epochMs: target, forced: true, reason: 'RTC battery replaced, clock lost' });
  t.true(Math.abs((await cameraNow()) - target) < 60_000, 'the camera clock was not moved to the forced time');

  // The camera's own device log, read by a dock: who forced it, on what basis, and why.
  const line = await openSerialLine(await dock(t));
  t.teardown(() => line.closeLine());
  const s = await openCameraSession({ line, identity: pki.dock, caCertPem: pki.ca.certPem });
  const sets = (await s.fetchLog(0)).filter((e) => e.type === 'clock-set');
  await s.close();
  t.like(sets.at(-1)!.data, { by: { role: 'technician', id: 'tech-ann' }, basis: 'forced', reason: 'RTC battery replaced, clock lost' });
});

test.serial("a dock's identity cannot use the technician tool", async (t) => {
  const r = await cli(['--identity', dockAsTech, '--port', '/dev/null', '--force', '--reason', 'trust me']);
  t.is(r.code, 1);
  t.regex(r.err, /role is dock, expected technician/);
});
