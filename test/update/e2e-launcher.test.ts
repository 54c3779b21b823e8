// The technician path end to end on real processes: the tsup build packed into signed bundles by
// `bodycam fw pack`; the built launcher kept running by this test as systemd would (Restart=always),
// booting the built firmware from slot a on the sim HAL (the camera-sim bundle as the slot's firmware.js) with its dock link on one end of a socat pty;
// `bodycam fw flash --wait` on the other end installs a newer version into slot b, the firmware
// restarts, the launcher boots slot b on trial, its health checks pass, it marks itself good, and the
// CLI reports the new version running.
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceLog } from '../../firmware/device-log.js';
import { initialState, readBootState, writeBootState } from '../../firmware/update/boot-state.js';
import { Updater } from '../../firmware/update/install.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { systemClock } from '../../shared/clock.js';
import { issueCertificate } from '../../shared/pki/ca.js';
import { encryptPrivateKey } from '../../shared/pki/key-file.js';
import { writeDurable } from '../../shared/durable-file.js';
import { paths, writeIdentity } from '../../shared/pki/trust-store.js';
import { ROOT } from './fixtures.js';
import { sha256File } from './fw-fixtures.js';

const HW = 'bodycam-sim-1';
// The slots resolve the native addons from node_modules above them, as on the OS image.
const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-e2e-'));
const build = path.join(dir, 'build');
const simBuild = path.join(dir, 'build-sim');
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test.before(() => {
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const r = spawnSync('nice', ['-n', '10', process.execPath, path.join(ROOT, 'node_modules/tsup/dist/cli-default.js'), '--out-dir', build], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`tsup failed: ${r.stderr}`);
  // The board's firmware.js drives real GPIO; the slots get the same firmware built on the sim twins.
  mkdirSync(simBuild);
  copyFileSync(path.join(build, 'camera-sim.js'), path.join(simBuild, 'firmware.js'));
  copyFileSync(path.join(build, 'camera-sim.js.map'), path.join(simBuild, 'firmware.js.map'));
});

function run(file: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = spawn(process.execPath, [path.join(build, file), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => p.once('exit', (code) => resolve({ code, out, err })));
}

/** What systemd does for the unit in docs/firmware-bundle.md: start the launcher, restart it on exit. */
function systemd(slotsDir: string, config: string) {
  const exits: { code: number | null; stderr: string }[] = [];
  let child: ChildProcess | undefined;
  let stderr = '';
  let stopping = false;
  let exited = Promise.resolve();
  const start = () => {
    stderr = '';
    child = spawn(process.execPath, [path.join(build, 'launcher.js'), '--slots', slotsDir, config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    exited = new Promise((resolve) => child!.once('exit', (code) => {
      exits.push({ code, stderr });
      // Restart=always (with a cap, so a broken build cannot spin the test forever).
      if (!stopping && exits.length < 6) setTimeout(start, 100);
      resolve();
    }));
  };
  start();
  return {
    exits,
    /** The firmware this launcher started has finished booting (incl. trial checks) and serves the dock tty. */
    ready: () => /"msg":"camera ready"/.test(stderr),
    async stop() {
      stopping = true;
      child?.kill('SIGTERM'); // passed on to the firmware: clean stop
      await exited;
    },
  };
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('technician flash over a pty: verify, install to slot b, restart by the launcher, trial boot, health checks, marked good', async (t) => {
  const pki = createFleetPki();
  const trustDir = path.join(dir, 'trust');
  provisionCamera(pki, trustDir, 'cam-e2e');
  const release = generateKeyPairSync('ed25519');
  const releasePub = release.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  writeDurable(path.join(paths(trustDir).firmware, 'release-1.pub.pem'), releasePub);
  const keyFile = path.join(dir, 'keys', 'release-1.key.pem');
  mkdirSync(path.dirname(keyFile));
  writeDurable(keyFile, encryptPrivateKey(release.privateKey, 'release key passphrase'), 0o600);
  const passFile = path.join(dir, 'keys', 'release.pass');
  writeFileSync(passFile, 'release key passphrase\n');
  const techDir = path.join(dir, 'tech');
  const tech = issueCertificate({ role: 'technician', id: 'tech-e2e', ca: pki.ca });
  writeIdentity(techDir, tech.keyPem, tech.certPem);
  writeDurable(paths(techDir).ca, pki.ca.certPem);
  writeDurable(path.join(paths(techDir).firmware, 'release-1.pub.pem'), releasePub);

  const bundle = async (version: string) => {
    const out = path.join(dir, `bodycam-${version}.bcfw`);
    const r = await run('bodycam.js', ['fw', 'pack', '--from', simBuild, '--version', version, '--hardware', HW, '--key', keyFile, '--passphrase-file', passFile, '--out', out]);
    if (r.code !== 0) throw new Error(`fw pack: ${r.err}`);
    return out;
  };
  const [v1, v2] = await Promise.all([bundle('1.0.0'), bundle('1.1.0')]);

  // Factory image: 1.0.0 in slot a, marked good (floor 1.0.0).
  const slotsDir = path.join(dir, 'slots');
  mkdirSync(slotsDir);
  await writeBootState(slotsDir, { ...initialState(), active: 'b' });
  const factory = new Updater({ slotsDir, trust: { releaseKeys: { 'release-1': releasePub } }, hardware: HW });
  t.like(await factory.install(v1), { slot: 'a', switched: true });
  await factory.markGood('a');

  const pty = await startPtyPair();
  t.teardown(() => pty.stop());
  const flashDir = path.join(dir, 'flash');
  const config = path.join(dir, 'firmware.json');
  writeFileSync(config, JSON.stringify({
    deviceId: 'cam-e2e', purpose: 'guarding', hal: 'sim', prerecordSeconds: 2, hardware: HW, simDockTty: pty.b,
    paths: { flashDir, trustDir, slotsDir }, camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
  }));
  const unit = systemd(slotsDir, config);
  t.teardown(() => unit.stop());
  await until('the camera to boot slot a', unit.ready, 20_000);

  const flash = await run('bodycam.js', ['fw', 'flash', v2, '--port', pty.a, '--identity', techDir, '--wait', '--wait-timeout', '25', '--no-progress']);
  await unit.stop();
  let out: Record<string, unknown> = {};
  try { out = JSON.parse(flash.out.trim().split('\n').at(-1) ?? '{}'); } catch { /* asserted below */ }
  const launcherLog = unit.exits.map((e) => e.stderr).join('\n').split('\n').filter((l) => l.startsWith('launcher:') || /"level":(4|5|6)0/.test(l)).join('\n');
  t.is(flash.code, 0, `${flash.err}\n${launcherLog}`);
  t.like(out, {
    outcome: 'installed', deviceId: 'cam-e2e', from: '1.0.0', version: '1.1.0', slot: 'b', sha256: sha256File(v2),
    afterReboot: { outcome: 'running', version: '1.1.0', slot: 'b', trial: false, floor: '1.1.0' },
  });

  // Launcher runs: slot a until the switch (clean exit 0), slot b on trial boot 1, then our stop.
  t.deepEqual(unit.exits.map((e) => e.code), [0, 0]);
  t.regex(unit.exits[1]!.stderr, /launcher: trial boot 1 of 3 for 1\.1\.0/);
  t.notRegex(unit.exits[0]!.stderr, /launcher: trial boot/);

  const s = readBootState(slotsDir);
  t.like(s, { active: 'b', trial: null, floor: '1.1.0', lastRollback: null });
  t.like(s.slots, { a: { version: '1.0.0', bootable: true, good: true }, b: { version: '1.1.0', bootable: true, good: true } });
  t.is(sha256File(path.join(slotsDir, 'b', 'firmware.js')), sha256File(path.join(simBuild, 'firmware.js')), 'slot b holds the built firmware');

  const log = new DeviceLog({ path: path.join(flashDir, 'device-log.db'), clock: systemClock });
  t.teardown(() => log.close());
  t.true(log.verify().ok);
  const entries = log.since(0);
  const at = (type: string, match: (d: Record<string, unknown>) => boolean = () => true) => entries.findIndex((e) => e.type === type && match(e.data));
  const flashRec = entries[at('fw-flash')];
  t.like(flashRec?.data, { deviceId: 'cam-e2e', version: '1.1.0', outcome: 'installed', slot: 'b', by: { role: 'technician', id: 'tech-e2e' } });
  const switched = at('fw-install', (d) => d.outcome === 'switched' && d.version === '1.1.0' && d.slot === 'b');
  const restart = at('fw-restart');
  t.false(switched === -1 || restart === -1, `device log: ${entries.map((e) => e.type).join(', ')}`);
  // fw-restart is appended from the switch hook, the fw-install record right after it.
  const order = [
    Math.max(switched, restart),
    at('shutdown', (d) => d.reason === 'firmware switched'),
    at('fw-health', (d) => d.ok === true && d.version === '1.1.0' && d.slot === 'b'),
    at('fw-good', (d) => d.version === '1.1.0' && d.floor === '1.1.0'),
  ];
  t.false(order.includes(-1), `device log: ${entries.map((e) => e.type).join(', ')}`);
  t.deepEqual([...order].sort((x, y) => x - y), order, 'switch and restart, shutdown, trial health, good: in that order');
  t.true(at('fw-flash') < order[2]!, 'the install is recorded before the reboot');
  t.is(at('fw-rollback'), -1);
});
