// `bodycam fw flash --port` end to end: the real CLI process with a technician's trust store talks to a
// camera (dock link, A/B updater, device log) over a socat pty pair, waits for the reboot and reports
// the version running — or the rollback — and a refusal with its reason.
import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openSerialLine } from '../../shared/serial-port.js';
import { readBootState, withRollback, writeBootState } from '../../firmware/update/boot-state.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { writeDurable } from '../../shared/durable-file.js';
import { paths, writeIdentity } from '../../shared/pki/trust-store.js';
import { FwMsg } from '../../shared/wire/fw-messages.js';
import { makeBundle, makeCamera, makeFwPki, tmp } from './fw-fixtures.js';

const pki = makeFwPki();

function technicianStore(): string {
  const dir = tmp('tech-');
  writeIdentity(dir, pki.technician.keyPem, pki.technician.certPem);
  writeDurable(paths(dir).ca, pki.ca.certPem);
  writeDurable(join(paths(dir).firmware, 'release-1.pub.pem'), pki.release.publicPem);
  return dir;
}

function flash(args: string[]): Promise<{ code: number; out: Record<string, any>; err: string }> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'tools/bodycam.ts', 'fw', 'flash', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => p.once('exit', (code) => {
    let parsed: Record<string, any> = {};
    try { parsed = JSON.parse(out.trim().split('\n').at(-1) ?? '{}'); } catch { /* reported below */ }
    resolve({ code: code ?? -1, out: parsed, err });
  }));
}

test('technician flashes over a pty, the camera reboots onto it; a later version that fails its trial is reported rolled back', async (t) => {
  const pair = await startPtyPair();
  t.teardown(() => pair.stop());
  const camLine = await openSerialLine(pair.b);
  t.teardown(() => camLine.closeLine());
  let afterCommit: (() => Promise<void>) | undefined;
  const camera = makeCamera(pki, 'cam-51', {
    onFirmware: (type) => {
      // The switch is followed by a reboot (the launcher starts the new slot) a moment later.
      if (type === FwMsg.FW_COMMIT) setTimeout(() => void reboot(), 1500);
    },
  });
  let link = camera.start(camLine);
  t.teardown(() => link.close());
  const reboot = async () => {
    link.close();
    await afterCommit?.();
    link = camera.start(camLine);
  };
  const identity = technicianStore();
  const v1 = makeBundle(pki, '1.0.0', { bytes: 150_000 });
  const r1 = await flash([v1.path, '--port', pair.a, '--identity', identity, '--wait', '--wait-timeout', '30', '--no-progress']);
  t.is(r1.code, 0, r1.err);
  t.like(r1.out, { outcome: 'installed', deviceId: 'cam-51', from: '0.0.0', version: '1.0.0', afterReboot: { outcome: 'running', version: '1.0.0', trial: true } });
  await camera.markGood();
  const rec = camera.log.since(0).filter((e) => e.type === 'fw-flash');
  t.like(rec.at(-1)!.data, { outcome: 'installed', version: '1.0.0', deviceId: 'cam-51', by: { role: 'technician', id: 'tech-ann' } });

  // 1.1.0 installs, but its trial boots fail: the launcher falls back to 1.0.0 before we reconnect.
  afterCommit = async () => {
    const s = readBootState(camera.slotsDir);
    await writeBootState(camera.slotsDir, withRollback({ ...s, trial: { ...s.trial!, bootCount: 3 } }, 'health check failed 3 times', new Date().toISOString()));
  };
  const v2 = makeBundle(pki, '1.1.0', { bytes: 150_000 });
  const r2 = await flash([v2.path, '--port', pair.a, '--identity', identity, '--wait', '--wait-timeout', '30', '--no-progress']);
  t.is(r2.code, 1, 'a rollback is a failed flash');
  t.like(r2.out, { outcome: 'installed', version: '1.1.0', afterReboot: { outcome: 'rolled-back', expected: '1.1.0', version: '1.0.0' } });
  t.is(camera.status().version, '1.0.0');
});

test('a bundle for other hardware is refused by the camera; the CLI reports the reason and exits 1', async (t) => {
  const pair = await startPtyPair();
  t.teardown(() => pair.stop());
  const camLine = await openSerialLine(pair.b);
  t.teardown(() => camLine.closeLine());
  const camera = makeCamera(pki, 'cam-52');
  const link = camera.start(camLine);
  t.teardown(() => link.close());
  const b = makeBundle(pki, '2.0.0', { hardware: 'bodycam-v9', bytes: 20_000 });
  const r = await flash([b.path, '--port', pair.a, '--identity', technicianStore(), '--no-progress']);
  t.is(r.code, 1);
  t.like(r.out, { outcome: 'refused', deviceId: 'cam-52', version: '2.0.0' });
  t.regex(String(r.out.reason), /wrong-hardware/);
  t.is(camera.status().version, '0.0.0');
  t.like(camera.log.since(0).find((e) => e.type === 'fw-flash')!.data, { outcome: 'refused', by: { role: 'technician' } });
});

test('a bad --wait-timeout is refused before anything is sent, naming the flag', async (t) => {
  const r = await flash(['missing.bcfw', '--identity', technicianStore(), '--port', '/dev/null', '--wait', '--wait-timeout', 'soon']);
  t.not(r.code, 0);
  t.regex(r.err, /--wait-timeout: expected a number of seconds > 0, got soon/);
});
