// Clip pull over a socat pty pair (full protocol: auth, windowed READs, CRC per frame, SHA-256 end
// to end, fsync) against two baselines through the same pty pair in the same run: raw bytes (unframed,
// 64 KiB pieces, both ends in this process) and ZMODEM (lrzsz `sz -b -8` / `rz -b -y`, the same bytes
// as the clip). The camera runs in its own process as on the device, and as ZMODEM's two ends do:
// the firmware's vault with one clip it recorded (serial-camera.ts), under the firmware's node flags. Repeated --reps times,
// interleaved; medians. Prints one JSON object.
// Options (--name=N): --mb N (default 32), --chunk BYTES (default the dock's 256 KiB), --window N
// (default the dock's 4), --reps N (default 3).
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { fileURLToPath } from 'node:url';
import { makePki } from '../wire/helpers.js';
import { rawPtySeconds } from './pty-baseline.js';
import { zmodemSeconds } from './zmodem-baseline.js';
import { FIRMWARE_NODE_FLAGS } from '../../firmware/node-flags.js';

const { values } = parseArgs({ options: { mb: { type: 'string' }, chunk: { type: 'string' }, window: { type: 'string' }, reps: { type: 'string' } }, strict: false });
const want = Math.round(Number(values.mb ?? 32) * 1024 * 1024);
const chunkBytes = Number(values.chunk ?? 256 * 1024);
const window = Number(values.window ?? 4);
const reps = Number(values.reps ?? 3);

const pki = makePki();
const pair = await startPtyPair();
const dir = mkdtempSync(join(tmpdir(), 'serial-bench-'));
writeFileSync(join(dir, 'pki.json'), JSON.stringify({ camera: pki.camera, caCertPem: pki.ca.certPem }));
const camDir = mkdtempSync(join(tmpdir(), 'serial-bench-cam-'));
const camera = fork(fileURLToPath(new URL('./serial-camera.ts', import.meta.url)), [pair.b, camDir, String(want), join(dir, 'pki.json')], { execArgv: ['--import', 'tsx', ...FIRMWARE_NODE_FLAGS], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const answers: ((m: Record<string, unknown>) => void)[] = [];
camera.on('message', (m: Record<string, unknown>) => answers.shift()?.(m));
camera.once('exit', (code) => { if (code) { process.stderr.write(`serial-link: the camera process exited with ${code}\n`); process.exit(1); } });
const next = () => new Promise<Record<string, unknown>>((resolve) => answers.push(resolve));
const cam = async (op: string) => { const a = next(); camera.send({ op }); await a; };
const ready = await next();
// The clip as the camera's flash holds it: ZMODEM sends these very bytes.
const clipBytes = readFileSync(String(ready.path));
const bytes = clipBytes.length;
const runs: { rawSec: number; pullSec: number; zmodemSec: number; retransmits: number; requests: number }[] = [];

for (let i = 0; i < reps; i++) {
  // The dock on pair.a, the camera on pair.b (as the dock agent and the gadget tty see them).
  const [dockLine, camLine] = await Promise.all([openSerialLine(pair.a), openSerialLine(pair.b)]);
  const rawSec = await rawPtySeconds(camLine, dockLine, bytes);
  await camLine.closeLine();
  await cam('open');
  const session = await openCameraSession({ line: dockLine, identity: pki.dock, caCertPem: pki.ca.certPem, chunkBytes, window });
  const [clip] = await session.listClips();
  const t0 = process.hrtime.bigint();
  await session.pullClip(clip!, join(dir, `clip-${i}.bin`));
  const pullSec = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = { ...session.stats };
  await session.close();
  await cam('close');
  await dockLine.closeLine();
  if (!readFileSync(join(dir, `clip-${i}.bin`)).equals(clipBytes)) throw new Error('pulled bytes differ from the clip on flash');
  rmSync(join(dir, `clip-${i}.bin`), { force: true });
  // The same bytes, camera end to dock end, with ZMODEM on the same pty pair.
  const zmodemSec = await zmodemSeconds(pair.b, pair.a, clipBytes);
  runs.push({ rawSec, pullSec, zmodemSec, retransmits: stats.retransmits, requests: stats.requests });
}
camera.kill('SIGTERM');
await pair.stop();
rmSync(dir, { recursive: true, force: true });
rmSync(camDir, { recursive: true, force: true });

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
