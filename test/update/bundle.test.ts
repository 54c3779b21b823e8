// Bundle verification: each bad bundle kind is refused with its reason, before the inactive slot is
// touched, and logged; a tampered file byte is caught while writing and leaves the slot not bootable.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readBootState } from '../../firmware/update/boot-state.js';
import { readHeader, bufferSource } from '../../shared/firmware-bundle/bundle.js';
import { BundleError } from '../../shared/firmware-bundle/manifest.js';
import { Updater, verifyBundle } from '../../firmware/update/install.js';
import { checkSlot } from '../../firmware/update/slots.js';
import { HW, ROOT, keysOf, makeBundle, signer, tmpDir } from './fixtures.js';

const release = signer('release-main');
const other = signer('release-other');
const dev = signer('development-lab');
const rsa = signer('release-rsa', 'rsa');
const trust = { releaseKeys: keysOf(release, rsa), hardware: HW, currentVersion: '1.0.0', floor: '1.0.0' };

async function refused(t: import('ava').ExecutionContext, p: Promise<unknown>, code: string): Promise<BundleError> {
  const err = await t.throwsAsync(p);
  t.true(err instanceof BundleError, `not a BundleError: ${err?.message}`);
  t.is(String((err as BundleError).code), code, err!.message);
  return err as BundleError;
}

test('a good bundle verifies (Ed25519 and RSA-PSS) and round-trips its manifest', async (t) => {
  const dir = tmpDir(t);
  const b = makeBundle(dir, { version: '1.1.0', signer: release, minFromVersion: '1.0.0' });
  const m = await verifyBundle(b, trust);
  t.is(m.version, '1.1.0');
  t.is(m.hardware, HW);
  t.deepEqual(m.files.map((f) => f.path), ['package.json', 'firmware.js']);
  const r = makeBundle(dir, { version: '1.1.0', signer: rsa });
  t.is(readHeader(bufferSource(readFileSync(r))).algorithm, 'rsa-pss-sha256');
  t.is((await verifyBundle(r, trust)).version, '1.1.0');
});

test('each bad bundle kind is refused with its reason', async (t) => {
  const dir = tmpDir(t);
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.1.0', signer: null }), trust), 'unsigned');
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.1.0', signer: other }), trust), 'untrusted-key');
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.1.0', signer: dev, channel: 'development' }), trust), 'untrusted-key');
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.1.0', signer: release, hardware: 'bodycam-v2' }), trust), 'wrong-hardware');
  await refused(t, verifyBundle(makeBundle(dir, { version: '0.9.0', signer: release }), trust), 'below-floor');
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.0.0', signer: release }), trust), 'not-newer');
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.2.0', signer: release, minFromVersion: '1.1.0' }), trust), 'from-too-old');

  // Tampered manifest: one byte of the signed JSON changed (the version 1.1.0 → 1.9.0).
  const tm = makeBundle(dir, { version: '1.1.0', signer: release });
  const bytes = readFileSync(tm);
  const at = bytes.indexOf('"1.1.0"') + 3;
  bytes[at] = '9'.charCodeAt(0);
  writeFileSync(tm, bytes);
  await refused(t, verifyBundle(tm, trust), 'bad-signature');

  // Truncated: in the payload, and inside the manifest.
  const tr = makeBundle(dir, { version: '1.1.0', signer: release, extra: { 'assets.bin': Buffer.alloc(5000, 7) } });
  truncateSync(tr, readFileSync(tr).length - 100);
  await refused(t, verifyBundle(tr, trust), 'truncated');
  truncateSync(tr, 40);
  await refused(t, verifyBundle(tr, trust), 'truncated');
  // Trailing bytes after the last file.
  const tl = makeBundle(dir, { version: '1.1.0', signer: release });
  writeFileSync(tl, Buffer.concat([readFileSync(tl), Buffer.from('x')]));
  await refused(t, verifyBundle(tl, trust), 'malformed');
});

test('a development key is trusted only where the trust store lists it, and only for development bundles', async (t) => {
  const dir = tmpDir(t);
  const devTrust = { ...trust, releaseKeys: keysOf(release, dev) };
  t.is((await verifyBundle(makeBundle(dir, { version: '1.1.0', signer: dev, channel: 'development' }), devTrust)).channel, 'development');
  // A dev key cannot pass its bundle off as a release, nor a release key sign the development channel.
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.1.0', signer: dev, channel: 'release' }), devTrust), 'untrusted-key');
  await refused(t, verifyBundle(makeBundle(dir, { version: '1.1.0', signer: release, channel: 'development' }), devTrust), 'untrusted-key');
});

test('refusals touch no slot and are logged with the reason; a tampered file byte aborts the write', async (t) => {
  const dir = tmpDir(t);
  const slotsDir = path.join(dir, 'slots');
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const up = new Updater({ slotsDir, trust: { releaseKeys: keysOf(release) }, hardware: HW, log: (type, data) => events.push({ type, data }) });
  await refused(t, up.install(makeBundle(dir, { version: '1.0.0', signer: other })), 'untrusted-key');
  await refused(t, up.install(makeBundle(dir, { version: '1.0.0', signer: null })), 'unsigned');
  t.false(existsSync(slotsDir), 'nothing written before verification passed');
  t.deepEqual(events.map((e) => [e.type, e.data.outcome, e.data.reason]), [['fw-install', 'refused', 'untrusted-key'], ['fw-install', 'refused', 'unsigned']]);

  const tb = makeBundle(dir, { version: '1.0.0', signer: release, extra: { 'assets.bin': Buffer.alloc(100_000, 1) } });
  const bytes = readFileSync(tb);
  bytes[bytes.length - 60_000] ^= 0xff; // inside assets.bin
  writeFileSync(tb, bytes);
  await t.notThrowsAsync(verifyBundle(tb, { ...trust, releaseKeys: keysOf(release), currentVersion: '0.0.0', floor: '0.0.0' }), 'the header alone cannot see a payload byte');
  await refused(t, up.install(tb, { by: 'tech-7' }), 'tampered');
  t.false(existsSync(slotsDir), 'a tampered payload is refused before any slot is touched');
  t.like(events.at(-1), { type: 'fw-install', data: { outcome: 'refused', reason: 'tampered', by: 'tech-7' } });
});

test('a tampered bundle leaves the inactive slot (the fallback) as it was', async (t) => {
  const dir = tmpDir(t);
  const slotsDir = path.join(dir, 'slots');
  const up = new Updater({ slotsDir, trust: { releaseKeys: keysOf(release) }, hardware: HW });
  await up.install(makeBundle(dir, { version: '1.0.0', signer: release }));
  await up.markGood('b');
  await up.install(makeBundle(dir, { version: '1.1.0', signer: release }));
  await up.markGood('a');
  const before = readBootState(slotsDir);
  const tb = makeBundle(dir, { version: '1.2.0', signer: release, extra: { 'assets.bin': Buffer.alloc(100_000, 1) } });
  const bytes = readFileSync(tb);
  bytes[bytes.length - 60_000] ^= 0xff; // inside assets.bin
  writeFileSync(tb, bytes);
  await refused(t, up.install(tb), 'tampered');
  const s = readBootState(slotsDir);
  t.deepEqual(s.slots.b, before.slots.b, 'slot b still holds 1.0.0, bootable');
  t.is(s.generation, before.generation, 'no boot-state write');
  t.true(checkSlot(path.join(slotsDir, 'b'), s.slots.b.manifestSha256).ok);
});

test('a bundle changed after verification is caught file by file while the slot is written', async (t) => {
  const dir = tmpDir(t);
  const slotsDir = path.join(dir, 'slots');
  const tb = makeBundle(dir, { version: '1.0.0', signer: release, extra: { 'assets.bin': Buffer.alloc(100_000, 1) } });
  const up = new Updater({
    slotsDir, trust: { releaseKeys: keysOf(release) }, hardware: HW,
    onStep: (step) => {
      if (step !== 'verified') return;
      const bytes = readFileSync(tb);
      bytes[bytes.length - 60_000] ^= 0xff; // swapped underneath, after the full check
      writeFileSync(tb, bytes);
    },
  });
  await refused(t, up.install(tb), 'tampered');
  const s = readBootState(slotsDir);
  t.false(s.slots.b.bootable);
  t.is(s.trial, null);
  t.deepEqual(readdirSync(path.join(slotsDir, 'b')), [], 'the partial slot is cleared');
});

test('bodycam fw keygen / pack / verify: manifest JSON, or the refusal and exit 1', (t) => {
  const dir = tmpDir(t);
  const PASS = 'release key passphrase';
  const cliEnv = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/bodycam.ts'), 'fw', ...args], { encoding: 'utf8', env: { ...process.env, BODYCAM_FW_KEY_PASSPHRASE: '', ...env } });
  const cli = (...args: string[]) => cliEnv({ BODYCAM_FW_KEY_PASSPHRASE: PASS }, ...args);
  const noPass = cliEnv({}, 'keygen', '--out', path.join(dir, 'keys'));
  t.is(noPass.status, 1);
  t.regex(noPass.stderr, /firmware signing key passphrase: none given \(--passphrase-file FILE or BODYCAM_FW_KEY_PASSPHRASE\)/);
  t.is(cli('keygen', '--out', path.join(dir, 'keys')).status, 0);
  t.is(cli('keygen', '--out', path.join(dir, 'devkeys'), '--role', 'development').status, 0);
  const key = readdirSync(path.join(dir, 'keys')).find((f) => f.endsWith('.key.pem'))!;
  t.regex(key, /^release-/);
  t.is(execFileSync('stat', ['-c', '%a', path.join(dir, 'keys', key)], { encoding: 'utf8' }).trim(), '600');
  writeFileSync(path.join(dir, 'firmware.js'), 'console.log(1)\n');
  const out = path.join(dir, 'b.bcfw');
  // The signing key is on disk only encrypted (scrypt PKCS#8): unusable without the passphrase.
  const keyText = readFileSync(path.join(dir, 'keys', key), 'utf8');
  t.regex(keyText, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  t.false(keyText.includes('-----BEGIN PRIVATE KEY-----'));
  t.is(Buffer.from(keyText.replace(/-----[^-]+-----|\s/g, ''), 'base64').indexOf(Buffer.from('06032b6570', 'hex')), -1, 'no Ed25519 OID in clear');
  t.throws(() => createPrivateKey(keyText));
  const pack = ['pack', '--version', '2.0.0', '--hardware', HW, '--key', path.join(dir, 'keys', key), '--out', out, path.join(dir, 'firmware.js')];
  const wrong = cliEnv({ BODYCAM_FW_KEY_PASSPHRASE: 'not the passphrase' }, ...pack);
  t.is(wrong.status, 1);
  t.regex(wrong.stderr, /\.key\.pem: wrong passphrase/);
  t.false(existsSync(out), 'nothing packed');
  const passFile = path.join(dir, 'fw.pass');
  writeFileSync(passFile, `${PASS}\n`);
  const p = cliEnv({}, ...pack, '--passphrase-file', passFile);
  t.is(p.status, 0, p.stderr);
  t.is(JSON.parse(p.stdout).written, out, 'pack says what it wrote');
  const ok = cli('verify', out, '--trust', path.join(dir, 'keys'), '--hardware', HW);
  t.is(ok.status, 0, ok.stderr);
  t.is(JSON.parse(ok.stdout).version, '2.0.0');
  const bad = cli('verify', out, '--trust', path.join(dir, 'devkeys'));
  t.is(bad.status, 1);
  t.is(JSON.parse(bad.stdout).refused, 'untrusted-key');
  const bytes = readFileSync(out);
  bytes[bytes.length - 3] ^= 1;
  writeFileSync(out, bytes);
  const tam = cli('verify', out, '--trust', path.join(dir, 'keys'));
  t.is(tam.status, 1);
  t.is(JSON.parse(tam.stdout).refused, 'tampered');
});
