// Clip pull over a socat pty pair (serialport on both ends, full protocol: auth, windowed READs,
// CRC per frame, SHA-256 end to end, fsync) against two baselines through the same pty pair in the
// same run: raw bytes (unframed, 64 KiB pieces) and ZMODEM (lrzsz `sz -b -8` / `rz -b -y`, the same
// bytes as the clip). Repeated --reps times, interleaved; medians. Prints one JSON object.
// Options: --mb N (default 32), --chunk BYTES, --window N, --reps N (default 3).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { FakeVault, makePki, startCamera } from '../wire/helpers.js';
import { rawPtySeconds } from './pty-baseline.js';
import { zmodemSeconds } from './zmodem-baseline.js';

const { values } = parseArgs({ options: { mb: { type: 'string' }, chunk: { type: 'string' }, window: { type: 'string' }, reps: { type: 'string' } }, strict: false });
const bytes = Math.round(Number(values.mb ?? 32) * 1024 * 1024);
const chunkBytes = Number(values.chunk ?? 64 * 1024);
const window = Number(values.window ?? 8);
const reps = Number(values.reps ?? 3);

const pki = makePki();
const pair = await startPtyPair();
const vault = new FakeVault();
const clipBytes = vault.add('bench-clip', bytes);
const dir = mkdtempSync(join(tmpdir(), 'serial-bench-'));
const runs: { rawSec: number; pullSec: number; zmodemSec: number; retransmits: number; requests: number }[] = [];

for (let i = 0; i < reps; i++) {
  // The dock on pair.a, the camera on pair.b (as the dock agent and the gadget tty see them).
  const [dock, cam] = await Promise.all([openSerialLine(pair.a), openSerialLine(pair.b)]);
  const rawSec = await rawPtySeconds(cam, dock, bytes);
  const link = startCamera(cam, pki, vault);
  const session = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem, chunkBytes, window });
  const [clip] = await session.listClips();
  const t0 = process.hrtime.bigint();
  await session.pullClip(clip!, join(dir, `clip-${i}.bin`));
  const pullSec = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = { ...session.stats };
  await session.close();
  link.close();
  await Promise.all([dock.closeLine(), cam.closeLine()]);
  rmSync(join(dir, `clip-${i}.bin`), { force: true });
  // The same bytes, camera end to dock end, with ZMODEM on the same pty pair.
  const zmodemSec = await zmodemSeconds(pair.b, pair.a, clipBytes);
  runs.push({ rawSec, pullSec, zmodemSec, retransmits: stats.retransmits, requests: stats.requests });
}
await pair.stop();
rmSync(dir, { recursive: true, force: true });

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const mbps = (s: number) => +(bytes / 1e6 / s).toFixed(2);
process.stdout.write(
  `${JSON.stringify({
    bench: 'serial-link',
    clipMB: +(bytes / 1e6).toFixed(2),
    chunkBytes,
    window,
    reps,
    rawPtyMBps: mbps(median(runs.map((r) => r.rawSec))),
    pullMBps: mbps(median(runs.map((r) => r.pullSec))),
    zmodemMBps: mbps(median(runs.map((r) => r.zmodemSec))),
    // Per-repetition ratios (same pty, back to back), then their median.
    ratio: +median(runs.map((r) => r.rawSec / r.pullSec)).toFixed(3),
    pullOverZmodem: +median(runs.map((r) => r.zmodemSec / r.pullSec)).toFixed(3),
    pullOverZmodemEach: runs.map((r) => +(r.zmodemSec / r.pullSec).toFixed(3)),
    retransmits: runs.reduce((n, r) => n + r.retransmits, 0),
    requests: runs[0]!.requests,
  })}\n`,
);
