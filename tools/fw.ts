// `bodycam fw ...`: firmware signing keys, bundles and slot status (docs/firmware-bundle.md).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { keyIdOf } from '../shared/evidence.js';
import { encryptPrivateKey, passphraseFrom, readEncryptedKey } from '../shared/pki/key-file.js';
import { writeDurable } from '../shared/durable-file.js';
import { readBootState } from '../firmware/update/boot-state.js';
import { checkPayload, fdSource, packBundle, readHeader } from '../shared/firmware-bundle/bundle.js';
import { BundleError, parseManifest } from '../shared/firmware-bundle/manifest.js';
import { keyRole, verifyHeader } from '../shared/firmware-bundle/verify.js';

export const USAGE = `usage:
  bodycam fw keygen --out DIR [--role release|development] [--passphrase-file FILE]
  bodycam fw pack --version V --hardware H --key KEY.pem --out FILE [--min-from V] [--channel release|development]
                  [--passphrase-file FILE] [--from DIR | FILE ...]   (default: the tsup build, dist/firmware.js + .map)
  bodycam fw verify FILE --trust DIR [--hardware H] [--current V] [--floor V]
  bodycam fw status --slots DIR
  bodycam fw flash BUNDLE --identity DIR [--port TTY | --usb VID:PID] [--wait] ...   (bench flashing; run without arguments for all options)

Signing keys are stored encrypted (scrypt); the passphrase comes from --passphrase-file FILE (first
line) or the environment variable BODYCAM_FW_KEY_PASSPHRASE, never from the command line.
`;

const fwPassphrase = (file?: string) => passphraseFrom({ file, envName: 'BODYCAM_FW_KEY_PASSPHRASE', what: 'firmware signing key' });

function need(v: string | undefined, flag: string): string {
  if (!v) throw new Error(`${flag} is required\n${USAGE}`);
  return v;
}

/** Public keys from a device trust store (DIR/trust/firmware) or a plain directory of *.pub.pem. */
export function loadFirmwareKeys(dir: string): Record<string, string> {
  const sub = join(dir, 'trust', 'firmware');
  const from = existsSync(sub) ? sub : dir;
  const keys: Record<string, string> = {};
  for (const f of readdirSync(from).filter((f) => f.endsWith('.pub.pem')).sort()) keys[f.slice(0, -'.pub.pem'.length)] = readFileSync(join(from, f), 'utf8');
  if (Object.keys(keys).length === 0) throw new Error(`--trust ${dir}: no firmware keys (*.pub.pem) there`);
  return keys;
}

function keygen(v: Record<string, string | undefined>): number {
  const role = v.role ?? 'release';
  if (role !== 'release' && role !== 'development') throw new Error('--role: release or development');
  const out = need(v.out, '--out');
  const passphrase = fwPassphrase(v['passphrase-file']);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const name = `${role}-${keyIdOf(publicKey).slice(0, 12)}`;
  // The signing key stays with the build machine, encrypted (0600); only the .pub.pem goes into trust stores.
  writeDurable(join(out, `${name}.key.pem`), encryptPrivateKey(privateKey, passphrase), 0o600);
  writeDurable(join(out, `${name}.pub.pem`), publicKey.export({ type: 'spki', format: 'pem' }) as string);
  process.stdout.write(`${JSON.stringify({ role, key: join(out, `${name}.key.pem`), pub: join(out, `${name}.pub.pem`), keyId: keyIdOf(publicKey) })}\n`);
  return 0;
}

function pack(v: Record<string, string | undefined>, files: string[]): number {
  const keyFile = need(v.key, '--key');
  const key = readEncryptedKey(keyFile, fwPassphrase(v['passphrase-file']));
  const channel = v.channel ?? keyRole(basename(keyFile));
  if (channel !== 'release' && channel !== 'development') throw new Error('--channel: release or development');
  let sources: { path: string; source: string }[];
  if (files.length > 0) {
    sources = files.map((f) => ({ path: basename(f), source: f }));
  } else {
    const dir = v.from ?? 'dist';
    if (!v.from && !existsSync(join(dir, 'firmware.js'))) {
      process.stderr.write('dist/firmware.js missing: building with tsup\n');
      const r = spawnSync('npx', ['tsup'], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error('tsup build failed');
    }
    sources = ['firmware.js', 'firmware.js.map'].filter((f) => existsSync(join(dir, f))).map((f) => ({ path: f, source: join(dir, f) }));
  }
  // The slot needs {"type":"module"} beside the ESM entry; signed like every other file.
  let tmp: string | undefined;
  if (!sources.some((s) => s.path === 'package.json')) {
    tmp = mkdtempSync(join(tmpdir(), 'fw-pack-'));
    writeFileSync(join(tmp, 'package.json'), '{"type":"module"}\n');
    sources.push({ path: 'package.json', source: join(tmp, 'package.json') });
  }
  let m;
  try {
    m = packBundle({
      version: need(v.version, '--version'), hardware: need(v.hardware, '--hardware'), channel, minFromVersion: v['min-from'], files: sources, key,
    }, need(v.out, '--out'));
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ written: v.out, ...m })}\n`);
  return 0;
}

function verify(v: Record<string, string | undefined>, file: string): number {
  const keys = loadFirmwareKeys(need(v.trust, '--trust'));
  const fd = openSync(file, 'r');
  try {
    const src = fdSource(fd);
    let hardware = v.hardware;
    if (!hardware) {
      try {
        hardware = parseManifest(readHeader(src).manifestBytes).hardware;
      } catch {
        hardware = '?';
      }
    }
    const { header, manifest } = verifyHeader(src, { releaseKeys: keys, hardware, currentVersion: v.current ?? '0.0.0', floor: v.floor ?? '0.0.0' });
    checkPayload(src, header.payloadOffset, manifest);
    process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    process.stdout.write(`${JSON.stringify({ refused: err.code, reason: err.message })}\n`);
    return 1;
  } finally {
    closeSync(fd);
  }
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'flash') return (await import('./fw-flash.js')).run(rest);
  const { values: v, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string' }, role: { type: 'string' }, version: { type: 'string' }, hardware: { type: 'string' }, key: { type: 'string' },
      'min-from': { type: 'string' }, channel: { type: 'string' }, from: { type: 'string' }, trust: { type: 'string' },
      current: { type: 'string' }, floor: { type: 'string' }, slots: { type: 'string' }, 'passphrase-file': { type: 'string' },
    },
  });
  if (sub === 'keygen') return keygen(v);
  if (sub === 'pack') return pack(v, positionals);
  if (sub === 'verify') return verify(v, need(positionals[0], 'FILE'));
  if (sub === 'status') {
    process.stdout.write(`${JSON.stringify(readBootState(need(v.slots, '--slots')), null, 2)}\n`);
    return 0;
  }
  process.stderr.write(USAGE);
  return 2;
}
