// The deployable bundles (tsup) build and start: each entry exists, runs from its own folder with only
// node_modules beside it, and refuses a bad config with the field named instead of running.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = process.cwd();
// Inside the repo so the bundles resolve the native externals from node_modules, as on a target.
const out = mkdtempSync(path.join(root, 'dist-test-'));
test.after.always(() => rmSync(out, { recursive: true, force: true }));

const node = (file: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(out, file), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });

test.serial.before(() => {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/tsup/dist/cli-default.js'), '--out-dir', out], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`tsup failed: ${r.stderr}`);
});

test.serial('every deployable entry is built', (t) => {
  for (const f of ['firmware.js', 'launcher.js', 'dock-agent.js', 'central-store.js', 'bodycam.js']) t.true(existsSync(path.join(out, f)), f);
});

test.serial('the camera-sim bundle (firmware on the simulator twins, for tests) is built too', (t) => {
  t.true(existsSync(path.join(out, 'camera-sim.js')));
});

// Names only hardware-sim/ defines: the twins, the sim control channel, the sim-only config fields.
const SIM_ONLY = ['SimButton', 'SimOutput', 'SimGps', 'SimFlash', 'createSimCamera', 'SyntheticSource', 'FaultyLine', 'serveSimControl', 'simBoard', 'simSpeed', 'simFlashBytes', 'simDockTty', 'testsrc2'];

test.serial('the camera firmware bundle carries no simulator code', (t) => {
  const fw = readFileSync(path.join(out, 'firmware.js'), 'utf8');
  t.deepEqual(SIM_ONLY.filter((s) => fw.includes(s)), []);
  // The check can fail: the sim bundle, which wraps the same firmware, has them all.
  const sim = readFileSync(path.join(out, 'camera-sim.js'), 'utf8');
  t.deepEqual(SIM_ONLY.filter((s) => !sim.includes(s)), []);
});

// What the face detector brings (central-store/redaction/): the human library, tfjs, the model.
const DETECTOR = ['@vladmandic/human', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-core', 'tfjs-backend-wasm', 'blazeface', 'DetectPool', 'loadDetector'];

test.serial('the camera and dock bundles carry no face detector (a central-store dependency only)', (t) => {
  for (const f of ['firmware.js', 'launcher.js', 'dock-agent.js']) {
    t.deepEqual(DETECTOR.filter((s) => readFileSync(path.join(out, f), 'utf8').includes(s)), [], f);
  }
  // The check can fail: the store's CLI bundle and the detector thread's bundle have them all.
  const store = readFileSync(path.join(out, 'bodycam.js'), 'utf8') + readFileSync(path.join(out, 'redaction-worker.js'), 'utf8');
  t.deepEqual(DETECTOR.filter((s) => !store.includes(s)), []);
});

test.serial('bodycam lists its commands; an unknown one is a usage error', (t) => {
  const ok = node('bodycam.js', []);
  t.is(ok.status, 0);
  for (const c of ['clip', 'pki', 'provision', 'fw', 'store']) t.regex(ok.stderr, new RegExp(`\\b${c}\\b`));
  t.is(node('bodycam.js', ['nonsense']).status, 2);
});

test.serial('firmware and central store refuse a bad config naming the field (exit 78)', (t) => {
  const bad = path.join(out, 'bad.json');
  writeFileSync(bad, JSON.stringify({ deviceId: 'cam-1', purpose: 'guarding', prerecordSeconds: 500, paths: { flashDir: '/nonexistent', trustDir: '/nonexistent' } }));
  const fw = node('firmware.js', [bad]);
  t.is(fw.status, 78, fw.stderr);
  t.regex(fw.stderr, /prerecordSeconds/);
  const cs = node('central-store.js', [bad]);
  t.is(cs.status, 78, cs.stderr);
});

test.serial('the firmware refuses sim config; the sim camera refuses a bad sim field (exit 78, field named)', (t) => {
  const base = { deviceId: 'cam-1', purpose: 'guarding', paths: { flashDir: '/nonexistent', trustDir: '/nonexistent' } };
  const write = (name: string, c: object) => { const f = path.join(out, name); writeFileSync(f, JSON.stringify(c)); return f; };
  const simField = node('firmware.js', [write('sim-field.json', { ...base, hal: 'real', simSpeed: 10 })]);
  t.is(simField.status, 78, simField.stderr);
  t.regex(simField.stderr, /simSpeed/);
  const simHal = node('firmware.js', [write('sim-hal.json', { ...base, hal: 'sim' })]);
  t.is(simHal.status, 78, simHal.stderr);
  t.regex(simHal.stderr, /config\.hal/);
  const badSim = node('camera-sim.js', [write('bad-sim.json', { ...base, hal: 'sim', simSpeed: 0 })]);
  t.is(badSim.status, 78, badSim.stderr);
  t.regex(badSim.stderr, /config\.simSpeed/);
});
