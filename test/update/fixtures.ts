// Shared test fixtures for the firmware update tests: keys, tiny fake firmware, bundles, slot dirs.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packBundle, type PackInput } from '../../shared/firmware-bundle/bundle.js';

export const HW = 'bodycam-v1';
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LAUNCHER = path.join(ROOT, 'firmware/update/launcher.ts');

export interface Signer {
  name: string;
  key: KeyObject;
  pubPem: string;
}
export function signer(name: string, type: 'ed25519' | 'rsa' = 'ed25519'): Signer {
  const { publicKey, privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  return { name, key: privateKey, pubPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export function tmpDir(t: { teardown(f: () => void): void }, prefix = 'fwupd-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A fake firmware entry: appends {version, slot} to $MARKER, then per $FAKE_MODE
 * 'exit' (exit 0), 'trial' (the real trial hook with real health checks on sim hardware; a version
 * with 'broken' in it has a camera that never yields a keyframe), or 'hang'.
 */
export function fakeFirmware(version: string): string {
  const health = pathToFileURL(path.join(ROOT, 'test/update/fake-health.ts')).href;
  return `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.MARKER, JSON.stringify({ version: ${JSON.stringify(version)}, slot: process.env.BODYCAM_SLOT, pid: process.pid }) + '\\n');
const mode = process.env.FAKE_MODE ?? 'exit';
if (mode === 'hang') setInterval(() => {}, 1000);
else if (mode === 'exit') process.exit(0);
else {
  const { trialHook } = await import(${JSON.stringify(health)});
  process.exit(await trialHook(${!version.includes('broken')}));
}
`;
}

export interface BundleSpec extends Partial<Omit<PackInput, 'files' | 'key'>> {
  version: string;
  signer: Signer | null;
  /** Extra files (path → bytes) besides firmware.js. */
  extra?: Record<string, Buffer>;
}

/** Pack a bundle of the fake firmware (plus extras) into dir; returns its path. */
export function makeBundle(dir: string, s: BundleSpec): string {
  const src = mkdtempSync(path.join(dir, 'src-'));
  const files: PackInput['files'] = [];
  for (const [p, bytes] of Object.entries(s.extra ?? {})) {
    writeFileSync(path.join(src, p), bytes);
    files.push({ path: p, source: path.join(src, p) });
  }
  writeFileSync(path.join(src, 'package.json'), '{"type":"module"}\n');
  files.push({ path: 'package.json', source: path.join(src, 'package.json') });
  writeFileSync(path.join(src, 'firmware.js'), fakeFirmware(s.version));
  files.push({ path: 'firmware.js', source: path.join(src, 'firmware.js') });
  const out = path.join(dir, `fw-${s.version}-${Math.random().toString(36).slice(2, 8)}.bcfw`);
  packBundle({ hardware: HW, channel: 'release', ...s, files, key: s.signer?.key ?? null }, out);
  rmSync(src, { recursive: true, force: true });
  return out;
}

export const keysOf = (...ss: Signer[]) => Object.fromEntries(ss.map((s) => [s.name, s.pubPem]));

/** One boot: the real launcher as a child process (what systemd starts); resolves with its exit. */
export function runLauncher(slotsDir: string, env: Record<string, string>, onSpawn?: (child: import('node:child_process').ChildProcess) => void) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LAUNCHER, '--slots', slotsDir], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    onSpawn?.(child);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

export function readLines<T = Record<string, unknown>>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}
