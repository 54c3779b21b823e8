// `bodycam camera set-clock`: a technician sets a camera's clock over its USB serial link
// (docs/wire-protocol.md §4.1). Within the camera's window any time may be set; beyond it (a camera
// whose RTC lost power, a clock far off) only with --force and a --reason, which the camera keeps in
// its device log with the technician's id. Prints one JSON line; exit 0 set, 1 refused or failed, 2 usage.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openCameraSession } from '../dock-agent/serial/session.js';
import { findCameraPort } from './find-camera-port.js';
import { RevocationStore } from '../shared/pki/revocation-store.js';
import { loadTrustStore } from '../shared/pki/trust-store.js';
import { verifyPeerCertificate } from '../shared/pki/verify.js';
import { openSerialLine } from '../shared/serial-port.js';

export const USAGE = `usage: bodycam camera set-clock --identity DIR [--port TTY | --usb VID:PID] [--at TIME] [--force --reason TEXT]
  --identity DIR   technician trust store (bodycam provision technician)
  --port TTY       the camera's serial port; default: find it over USB (--usb, default 1d6b:0104)
  --at TIME        ISO 8601 (2026-12-03T12:00:00Z) or Unix ms; default: this machine's clock
  --force          set it even outside the camera's window (not before its firmware's build time,
                   +24 h / -4 h of a plausible clock); needs --reason
  --reason TEXT    why the clock is forced (1..500 characters), kept in the camera's device log
`;

const MAX_REASON = 500;

class UsageError extends Error {}

function parseTime(s: string | undefined): number {
  if (s === undefined) return Date.now();
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new UsageError(`--at: expected ISO 8601 or Unix ms, got ${JSON.stringify(s)}`);
  return ms;
}

async function setClock(args: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args, allowPositionals: false,
    options: { identity: { type: 'string' }, port: { type: 'string' }, usb: { type: 'string' }, at: { type: 'string' }, force: { type: 'boolean' }, reason: { type: 'string' } },
  });
  if (!v.identity) throw new UsageError('--identity: required (the technician trust store)');
  if (v.force && (v.reason === undefined || v.reason.trim() === '')) throw new UsageError('--reason: required with --force (why the clock is forced, kept in the camera\'s log)');
  if (!v.force && v.reason !== undefined) throw new UsageError('--reason: only with --force (an in-window set needs none)');
  if (v.reason !== undefined && v.reason.length > MAX_REASON) throw new UsageError(`--reason: at most ${MAX_REASON} characters, got ${v.reason.length}`);
  const epochMs = parseTime(v.at);
  const trust = loadTrustStore(v.identity);
  const revocation = new RevocationStore(join(v.identity, 'trust', 'crl.json'), trust.caCertPem).current();
  verifyPeerCertificate(trust.certPem, trust.caCertPem, 'technician', Date.now(), revocation); // throws: not a technician identity, or revoked
  const port = v.port ?? (await findCameraPort(v.usb ?? '1d6b:0104', (m) => new UsageError(m)));
  const line = await openSerialLine(port);
  const force = v.force ? { reason: v.reason! } : undefined;
  let result: Record<string, unknown>;
  let code = 0;
  try {
    const s = await openCameraSession({ line, identity: { keyPem: trust.keyPem, certPem: trust.certPem }, caCertPem: trust.caCertPem, role: 'technician', revocation: () => revocation });
    try {
      await s.setClock(epochMs, force);
      result = { outcome: 'set', deviceId: s.deviceId, epochMs, at: new Date(epochMs).toISOString(), forced: !!force, ...(force ? { reason: force.reason } : {}) };
    } catch (err) {
      code = 1;
      result = { outcome: 'refused', deviceId: s.deviceId, epochMs, reason: (err as Error).message };
    } finally {
      await s.close().catch(() => undefined);
    }
  } finally {
    await line.closeLine().catch(() => undefined);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return code;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'set-clock') return await setClock(rest);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw err;
    process.stderr.write(`bodycam camera ${sub}: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  process.stderr.write(USAGE);
  return 2;
}
