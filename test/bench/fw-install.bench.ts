// Firmware install: verify + A/B install (every file hashed before the slot is touched and again while
// writing, fsync of files and dirs, atomic boot-state switch) of a 50 MB bundle, against `sha256sum` + `cp` + `sync` of the same bytes
// in the same run (the baseline also makes its copy durable, as the install does).
// ratio = baseline time / install time (target ≥ 0.8). Flags: --mb N (default 50), --rounds N (3).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packBundle } from '../../shared/firmware-bundle/bundle.js';
import { Updater, verifyBundle } from '../../firmware/update/install.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const mb = arg('mb', 50);
const rounds = arg('rounds', 3);
const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-bench-'));
try {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const releaseKeys = { 'release-bench': publicKey.export({ type: 'spki', format: 'pem' }) as string };
  writeFileSync(path.join(dir, 'firmware.js'), randomBytes(mb * 1024 * 1024 - 4096).toString('base64').slice(0, mb * 1024 * 1024 - 4096));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const bundle = path.join(dir, 'fw.bcfw');
  packBundle({
    version: '1.0.0', hardware: 'bench', channel: 'release', key: privateKey,
    files: [{ path: 'package.json', source: path.join(dir, 'package.json') }, { path: 'firmware.js', source: path.join(dir, 'firmware.js') }],
  }, bundle);
  const bytes = (await import('node:fs')).statSync(bundle).size;

  const base: number[] = [];
  const ours: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const copy = path.join(dir, `copy-${r}`);
    let t0 = performance.now();
    execFileSync('sha256sum', [bundle], { stdio: 'ignore' });
    execFileSync('cp', [bundle, copy]);
    execFileSync('sync', [copy]);
    base.push(performance.now() - t0);
    rmSync(copy);

    const slotsDir = path.join(dir, `slots-${r}`);
    t0 = performance.now();
    await verifyBundle(bundle, { releaseKeys, hardware: 'bench', currentVersion: '0.0.0', floor: '0.0.0' });
    const res = await new Updater({ slotsDir, trust: { releaseKeys }, hardware: 'bench' }).install(bundle);
    ours.push(performance.now() - t0);
    if (!res.switched) throw new Error('install did not switch');
    rmSync(slotsDir, { recursive: true, force: true });
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const b = med(base);
  const o = med(ours);
  const ratio = Math.round((b / o) * 100) / 100;
  console.log(JSON.stringify({
    bundleMB: Math.round((bytes / 1024 / 1024) * 10) / 10, rounds,
    baselineMs: Math.round(b), installMs: Math.round(o),
    baselineMBps: Math.round(bytes / 1024 / 1024 / (b / 1000)), installMBps: Math.round(bytes / 1024 / 1024 / (o / 1000)),
    ratio, target: 0.8, meetsTarget: ratio >= 0.8,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
