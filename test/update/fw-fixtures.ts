// Fixtures for the firmware staging and flash tests: a PKI with a technician, a release key, real
// bundles packed by firmware/update/bundle.ts, and a camera (real dock link, device log, A/B updater).
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { startDockLink } from '../../firmware/dock-link.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { cameraFirmware } from '../../firmware/fw-camera.js';
import { readBootState } from '../../firmware/update/boot-state.js';
import { packBundle, fdSource, readHeader } from '../../shared/firmware-bundle/bundle.js';
import { systemClock } from '../../shared/clock.js';
import { createCA, issueCertificate, type KeyAndCert } from '../../shared/pki/ca.js';
import { FakeVault } from '../wire/helpers.js';
import { cameraIdentity, dockIdentity, testCa } from '../helpers/pki.js';

export const HW = 'bodycam-sim-1';

export interface FwPki {
  ca: KeyAndCert;
  dock: KeyAndCert;
  technician: KeyAndCert;
  release: { privateKey: KeyObject; publicPem: string };
  releaseKeys: Record<string, string>;
  camera(id: string): KeyAndCert;
}

export function makeFwPki(): FwPki {
  // The test organisation (test/helpers/pki.ts), so what these cameras offload is accepted by central.
  const ca = testCa();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return {
    ca, dock: dockIdentity('dock-1'), technician: issueCertificate({ role: 'technician', id: 'tech-ann', ca }),
    release: { privateKey, publicPem }, releaseKeys: { 'release-1': publicPem },
    camera: (id) => cameraIdentity(id),
  };
}

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
export const sha256File = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** A signed bundle with a random firmware.js of `bytes` bytes. */
export function makeBundle(pki: FwPki, version: string, o: { bytes?: number; hardware?: string; key?: KeyObject | null } = {}): { path: string; firmware: Buffer; header: Buffer } {
  const dir = tmp('fwb-');
  const firmware = randomBytes(o.bytes ?? 200_000);
  writeFileSync(join(dir, 'firmware.js'), firmware);
  const out = join(dir, `bodycam-${version}.bcfw`);
  packBundle({ version, hardware: o.hardware ?? HW, channel: 'release', files: [{ path: 'firmware.js', source: join(dir, 'firmware.js') }], key: o.key === undefined ? pki.release.privateKey : o.key }, out);
  return { path: out, firmware, header: bundleHeader(out) };
}

export function bundleHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const src = fdSource(fd);
    return Buffer.from(src.read(0, readHeader(src).payloadOffset));
  } finally {
    closeSync(fd);
  }
}

export interface FwCamera {
  id: string;
  flashDir: string;
  slotsDir: string;
  log: DeviceLog;
  vault: FakeVault;
  /** sha256 of each bundle file the updater was handed, in order. */
  installed: string[];
  start(line: Duplex): { close(): void };
  /** The trial slot passed its health checks (what firmware/update/health.ts does after boot). */
  markGood(): Promise<void>;
  status(): ReturnType<ReturnType<typeof cameraFirmware>['updater']['status']>;
}

/** A camera whose flash and slots survive restarts (start() again = reboot onto a new line). */
export function makeCamera(pki: FwPki, id: string, o: { maxBytes?: number; dir?: string; onFirmware?: (type: number) => void } = {}): FwCamera {
  const dir = o.dir ?? tmp(`cam-${id}-`);
  const flashDir = join(dir, 'flash');
  const slotsDir = join(dir, 'slots');
  mkdirSync(flashDir, { recursive: true });
  mkdirSync(slotsDir, { recursive: true });
  const log = new DeviceLog({ path: join(flashDir, 'device-log.db'), clock: systemClock });
  const vault = new FakeVault(id, pki.camera(id).keyPem);
  const installed: string[] = [];
  // Each start() is a boot: the launcher starts the active slot (when it holds a version).
  const fw = () => {
    const st = readBootState(slotsDir);
    const made = cameraFirmware({
      deviceId: id, hardware: HW, flashDir, slotsDir, releaseKeys: pki.releaseKeys, log, maxBytes: o.maxBytes,
      runningSlot: st.slots[st.active].version ? st.active : undefined,
    });
    const install = made.updater.install.bind(made.updater);
    made.updater.install = (path, io) => {
      installed.push(sha256File(path));
      return install(path, io);
    };
    const handle = made.staging.handle.bind(made.staging);
    made.staging.handle = (type, p, peer) => {
      o.onFirmware?.(type);
      return handle(type, p, peer);
    };
    return made;
  };
  let current = fw();
  return {
    id, flashDir, slotsDir, log, vault, installed,
    start(line) {
      current.staging.close();
      current = fw(); // a fresh process: state comes from flash only
      const link = startDockLink({ line, identity: pki.camera(id), caCertPem: pki.ca.certPem, vault, log, firmware: current.staging, onEvent: (t, d) => log.append(t, d) });
      return { close: () => { link.close(); current.staging.close(); } };
    },
    status: () => current.updater.status(),
    markGood: () => current.updater.markGood(current.updater.status().active),
  };
}
