// Revocation on the serial link with the real firmware process on a socat pty: the camera keeps the
// newest CA-signed list a dock gives it (INSTALL_CRL), refuses a revoked dock at HELLO, and a dock
// holding a list refuses a revoked camera.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSerialLine } from '../../shared/serial-port.js';
import { openCameraSession, UntrustedDeviceError } from '../../dock-agent/serial/session.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { systemClock } from '../../shared/clock.js';
import { createCA, issueCertificate } from '../../shared/pki/ca.js';
import { RevocationSet, serialOf, signRevocationList, type RevocationListBody } from '../../shared/pki/revocation.js';
import { loadTrustStore } from '../../shared/pki/trust-store.js';

const fleet = createFleetPki();
const dock2 = issueCertificate({ role: 'dock', id: 'dock-2', ca: fleet.ca });
const tech = issueCertificate({ role: 'technician', id: 'tech-gone', ca: fleet.ca });
const list = (number: number, serials: string[]): RevocationListBody => ({
  v: 1, kind: 'revocation-list', number, issuedAt: new Date().toISOString(),
  revoked: serials.map((serial) => ({ serial, reason: 'dock stolen', revokedAt: new Date().toISOString() })),
});

test('camera process: installs only a newer verified list, then refuses the revoked dock and technician; a dock refuses a revoked camera', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'crl-cam-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const trustDir = path.join(dir, 'trust');
  provisionCamera(fleet, trustDir, 'cam-r1');
  const cam = await startCameraProcess(dir, {
    deviceId: 'cam-r1', purpose: 'guarding', hal: 'sim', prerecordSeconds: 2,
    paths: { flashDir: path.join(dir, 'flash'), trustDir }, camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
  });
  let stopped = false;
  t.teardown(async () => { if (!stopped) await cam.stop(); });
  const dockAs = async (identity: { keyPem: string; certPem: string }, revocation?: RevocationSet, role?: 'technician') => {
    const pair = await startPtyPair();
    t.teardown(() => pair.stop());
    await cam.send({ op: 'dock', tty: pair.b });
    const line = await openSerialLine(pair.a);
    t.teardown(() => line.closeLine());
    return openCameraSession({ line, identity, caCertPem: fleet.ca.certPem, timeoutMs: 1000, retries: 3, revocation: () => revocation, role });
  };

  // dock-1 is trusted before the list arrives.
  const s1 = await dockAs(fleet.dock);
  await s1.close();
  const t1 = await dockAs(tech, undefined, 'technician');
  await t1.close();
  const s2 = await dockAs(dock2);
  t.deepEqual(await s2.installRevocationList(signRevocationList(list(2, [serialOf(fleet.dock.certPem), serialOf(tech.certPem)]), fleet.ca.keyPem)), { installed: true, number: 2 });
  t.deepEqual(await s2.installRevocationList(signRevocationList(list(1, []), fleet.ca.keyPem)), { installed: false, number: 2 }, 'an older list never replaces it');
  await t.throwsAsync(s2.installRevocationList(signRevocationList(list(9, []), createCA().keyPem)), { message: /CRL_REFUSED|signature does not verify/ });
  await s2.close();

  await t.throwsAsync(dockAs(fleet.dock), { message: /not trusted|AUTH_FAILED/ }, 'the revoked dock is refused at HELLO');
  await t.throwsAsync(dockAs(tech, undefined, 'technician'), { message: /not trusted|AUTH_FAILED/ }, 'a revoked technician cannot flash firmware');
  const s3 = await dockAs(dock2);
  t.is(s3.deviceId, 'cam-r1', 'another dock still offloads');
  await s3.close();

  // The dock side: a list naming the camera's certificate makes the camera untrusted.
  const camSerial = serialOf(loadTrustStore(trustDir).certPem);
  const err = await t.throwsAsync(dockAs(dock2, new RevocationSet(list(3, [camSerial]))));
  t.true(err instanceof UntrustedDeviceError);
  t.regex(err!.message, /revoked \(serial [0-9a-f]+, dock stolen; revocation list #3\)|untrusted/);

  await cam.stop();
  stopped = true;
  const log = new DeviceLog({ path: path.join(dir, 'flash', 'device-log.db'), clock: systemClock });
  t.teardown(() => log.close());
  const entries = log.since(0);
  t.truthy(entries.find((e) => e.type === 'crl-installed' && (e.data as { number?: number }).number === 2));
  t.truthy(entries.find((e) => e.type === 'crl-refused'));
  t.truthy(entries.find((e) => e.type === 'dock-auth-failed' && /revoked/.test(String((e.data as { reason?: string }).reason))), 'the refusal is in the device log with its reason');
});
