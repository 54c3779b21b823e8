// docs/pki.md's camera trust store, held to the firmware: a camera provisioned with the documented
// commands boots; without trust/central-receipt.pub.pem, or without any epoch, it refuses to start
// (exit 78 naming what is missing), which is why `bodycam provision camera` requires both.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';

const env = { ...process.env, BODYCAM_CA_PASSPHRASE: 'camera trust test passphrase', LOG_LEVEL: 'silent' };
const bodycam = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.resolve('bin/bodycam.js'), ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`bodycam ${args.slice(0, 2).join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

test('a camera provisioned as docs/pki.md says boots; without the receipt key or an epoch it exits 78 naming it', async (t) => {
  t.timeout(120_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'camtrust-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const file = (name: string, text: string) => { writeFileSync(path.join(root, name), text); return path.join(root, name); };
  const spki = (k: { export(o: object): string | Buffer }) => k.export({ type: 'spki', format: 'pem' }) as string;
  bodycam('pki', 'init', '--dir', path.join(root, 'pki'));
  const epochPub = file('epoch.pub.pem', spki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey));
  const day = 86_400_000;
  bodycam('pki', 'sign-epoch', '--pki', path.join(root, 'pki'), '--id', 'e-today', '--public-key', epochPub,
    '--not-before', new Date(Date.now() - day).toISOString(), '--not-after', new Date(Date.now() + day).toISOString(), '--out', path.join(root, 'e.json'));
  const centralPub = file('central.pub.pem', spki(generateKeyPairSync('ed25519').publicKey));
  bodycam('provision', 'camera', '--id', 'cam-7', '--pki', path.join(root, 'pki'), '--out', path.join(root, 'full'), '--central-pub', centralPub, '--epoch', path.join(root, 'e.json'));

  const boot = async (name: string, strip?: string) => {
    const dir = path.join(root, name);
    if (strip) { cpSync(path.join(root, 'full'), dir, { recursive: true }); rmSync(path.join(dir, strip), { recursive: true }); }
    return startCameraProcess(path.join(root, `run-${name}`), {
      deviceId: 'cam-7', purpose: 'guarding', hal: 'sim', prerecordSeconds: 2,
      paths: { flashDir: path.join(root, `run-${name}`, 'flash'), trustDir: dir },
      camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
    });
  };
  const cam = await boot('full');
  t.is((await cam.send({ op: 'status' })).epoch, 'e-today');
  t.is(await cam.stop(), 0);

  const noReceipt = await t.throwsAsync(boot('no-receipt', 'trust/central-receipt.pub.pem'));
  t.regex(noReceipt!.message, /code 78\).*central-receipt\.pub\.pem is missing/s);
  const noEpoch = await t.throwsAsync(boot('no-epoch', 'trust/epochs'));
  t.regex(noEpoch!.message, /code 78\).*no evidence-key epoch signed by the CA/s);
});
