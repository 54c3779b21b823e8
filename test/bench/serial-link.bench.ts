// Clip pull over a socat pty pair (serialport on both ends, full protocol: auth, windowed READs,
// CRC per frame, SHA-256 end to end, fsync) vs raw bytes through the same pty pair in the same run.
// Prints one JSON object. Options: --mb N (default 32), --chunk BYTES, --window N.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { FakeVault, makePki, startCamera } from '../wire/helpers.js';
import { rawPtySeconds } from './pty-baseline.js';

const { values } = parseArgs({ options: { mb: { type: 'string' }, chunk: { type: 'string' }, window: { type: 'string' } }, strict: false });
const bytes = Math.round(Number(values.mb ?? 32) * 1024 * 1024);
const chunkBytes = Number(values.chunk ?? 64 * 1024);
const window = Number(values.window ?? 8);

const pki = makePki();
const pair = await startPtyPair();
const [dock, cam] = await Promise.all([openSerialLine(pair.a), openSerialLine(pair.b)]);

// Baseline: the same number of bytes cam -> dock through the same pty pair, unframed.
const rawSec = await rawPtySeconds(cam, dock, bytes);
const vault = new FakeVault();
vault.add('bench-clip', bytes);
const link = startCamera(cam, pki, vault);
const session = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem, chunkBytes, window });
const [clip] = await session.listClips();
const dir = mkdtempSync(join(tmpdir(), 'serial-bench-'));
const t0 = process.hrtime.bigint();
await session.pullClip(clip!, join(dir, 'clip.bin'));
const pullSec = Number(process.hrtime.bigint() - t0) / 1e9;
const stats = { ...session.stats };
await session.close();
link.close();
await Promise.all([dock.closeLine(), cam.closeLine()]);
await pair.stop();
rmSync(dir, { recursive: true, force: true });

const mbps = (s: number) => +(bytes / 1e6 / s).toFixed(2);
process.stdout.write(
  `${JSON.stringify({
    bench: 'serial-link',
    clipMB: +(bytes / 1e6).toFixed(2),
    chunkBytes,
    window,
    rawPtyMBps: mbps(rawSec),
    pullMBps: mbps(pullSec),
    ratio: +(rawSec / pullSec).toFixed(3),
    retransmits: stats.retransmits,
    requests: stats.requests,
  })}\n`,
);
