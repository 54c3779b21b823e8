// `bodycam fw flash BUNDLE [--port TTY | --usb VID:PID] --identity DIR [--wait]`: a technician's bench
// flash over the camera's USB serial link (docs/firmware-bundle.md, "Flashing paths"). Authenticates
// with the technician's certificate, stages with a progress bar, commits, prints the outcome as JSON;
// with --wait it reconnects after the camera reboots and reports the version actually running.
import { closeSync, openSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { openCameraSession, type SerialCameraSession } from '../dock-agent/serial/session.js';
import { findCameraPort } from './find-camera-port.js';
import { join } from 'node:path';
import { RevocationStore } from '../shared/pki/revocation-store.js';
import type { RevocationSet } from '../shared/pki/revocation.js';
import { loadTrustStore } from '../shared/pki/trust-store.js';
import { verifyPeerCertificate } from '../shared/pki/verify.js';
import { openSerialLine } from '../shared/serial-port.js';
import { FirmwareClient } from '../shared/wire/fw-transfer.js';
import { ErrorCode, WireError } from '../shared/wire/messages.js';
import { checkPayload, fdSource, readHeader } from '../shared/firmware-bundle/bundle.js';
import { parseManifest, type Manifest } from '../shared/firmware-bundle/manifest.js';
import { verifyHeader } from '../shared/firmware-bundle/verify.js';

const USAGE = `usage: bodycam fw flash BUNDLE --identity DIR [--port TTY | --usb VID:PID] [--wait] [--wait-timeout S] [--no-progress]
  --identity DIR   technician trust store (bodycam provision technician)
  --port TTY       the camera's serial port; default: find it over USB (--usb, default 1d6b:0104)
  --wait           reconnect after the camera reboots and report the version running (or the rollback)
`;

/** The bundle's header, checked with the technician's firmware keys when the trust store has any. */
function readLocal(path: string, keys: Record<string, string>): { header: Buffer; manifest: Manifest } {
  const fd = openSync(path, 'r');
  try {
    const src = fdSource(fd);
    const h = readHeader(src);
    let manifest = parseManifest(h.manifestBytes);
    if (Object.keys(keys).length > 0) {
      manifest = verifyHeader(src, { releaseKeys: keys, hardware: manifest.hardware, currentVersion: '0.0.0', floor: '0.0.0' }).manifest;
      checkPayload(src, h.payloadOffset, manifest);
    }
    return { header: Buffer.from(src.read(0, h.payloadOffset)), manifest };
  } finally {
    closeSync(fd);
  }
}

type Trust = ReturnType<typeof loadTrustStore>;

async function connect(port: string, trust: Trust, revocation?: RevocationSet): Promise<{ s: SerialCameraSession; close(): Promise<void> }> {
  const line = await openSerialLine(port);
  try {
    const s = await openCameraSession({ line, identity: { keyPem: trust.keyPem, certPem: trust.certPem }, caCertPem: trust.caCertPem, role: 'technician', revocation: () => revocation });
    return { s, close: async () => { await s.close(); await line.closeLine(); } };
  } catch (err) {
    await line.closeLine();
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** After the switch: poll until the camera runs the new slot, or has fallen back to the old one. */
async function awaitReboot(port: string, trust: Trust, slot: string, version: string, timeoutS: number): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutS * 1000;
  let lastErr = '';
  while (Date.now() < end) {
    await sleep(500);
    let c;
    try {
      c = await connect(port, trust);
      const st = await new FirmwareClient(c.s.rpc).status();
      if (st.running?.slot === slot) return { outcome: 'running', version: st.running.version, slot, trial: st.trial, floor: st.floor };
      if (st.running && st.active !== slot) return { outcome: 'rolled-back', expected: version, version: st.running.version, slot: st.running.slot };
      lastErr = 'camera has not rebooted into the new slot yet';
    } catch (err) {
      lastErr = (err as Error).message; // rebooting: the tty comes and goes
    } finally {
      await c?.close().catch(() => undefined);
    }
  }
  return { outcome: 'timeout', expected: version, reason: lastErr };
}

export async function run(args: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { port: { type: 'string' }, usb: { type: 'string' }, identity: { type: 'string' }, wait: { type: 'boolean' }, 'wait-timeout': { type: 'string' }, 'no-progress': { type: 'boolean' } },
  });
  const bundle = positionals[0];
  if (!bundle || !v.identity) {
    process.stderr.write(USAGE);
    return 2;
  }
  const waitTimeout = Number(v['wait-timeout'] ?? 300);
  if (!Number.isFinite(waitTimeout) || waitTimeout <= 0) throw new Error(`--wait-timeout: expected a number of seconds > 0, got ${v['wait-timeout']}`);
  const trust = loadTrustStore(v.identity);
  // The bench's revocation list (trust/crl.json, when given): a revoked camera is not flashed, a revoked technician stops here.
  const revocation = new RevocationStore(join(v.identity, 'trust', 'crl.json'), trust.caCertPem).current();
  verifyPeerCertificate(trust.certPem, trust.caCertPem, 'technician', Date.now(), revocation); // throws: not a technician identity, or revoked
  const local = readLocal(bundle, trust.firmwareKeys);
  const port = v.port ?? (await findCameraPort(v.usb ?? '1d6b:0104'));
  const c = await connect(port, trust, revocation);
  const fw = new FirmwareClient(c.s.rpc);
  let result: Record<string, unknown>;
  let target: { slot: string; version: string } | undefined;
  try {
    const st = await fw.status();
    const bar = v['no-progress'] ? undefined : new cliProgress.SingleBar({ stream: process.stderr, format: 'flash {bar} {percentage}% {value}/{total} bytes' }, cliProgress.Presets.shades_classic);
    const staged = await fw.stage(bundle, local.header, {
      onProgress: (done, total) => {
        if (bar && !bar.isActive) bar.start(total, done);
        bar?.update(done);
      },
    }).finally(() => bar?.stop());
    const r = await fw.commit(staged.sha256);
    target = { slot: r.slot, version: r.version };
    result = {
      outcome: r.switched ? 'installed' : 'waiting', deviceId: c.s.deviceId, from: st.version, version: r.version, slot: r.slot,
      ...(r.waitingFor ? { waitingFor: r.waitingFor } : {}), bytes: staged.size, resumedFrom: staged.resumedFrom, sha256: staged.sha256,
    };
  } catch (err) {
    const refused = err instanceof WireError && err.code === ErrorCode.FW_REFUSED;
    result = { outcome: refused ? 'refused' : 'failed', deviceId: c.s.deviceId, version: local.manifest.version, reason: err instanceof WireError ? err.reason : (err as Error).message };
  } finally {
    await c.close().catch(() => undefined);
  }
  if (v.wait && target) {
    result.afterReboot = await awaitReboot(port, trust, target.slot, target.version, waitTimeout);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const after = (result.afterReboot as { outcome?: string } | undefined)?.outcome;
  return !target || (after !== undefined && after !== 'running') ? 1 : 0;
}
