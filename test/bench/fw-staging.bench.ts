// Firmware staging over a socat pty pair (serialport on both ends, full protocol: auth, FW_BEGIN
// header check, windowed FW_WRITEs, whole-file SHA-256 and A/B install at FW_COMMIT) vs raw bytes
// dock → camera through the same pty pair in the same run. Prints one JSON object.
// Options: --mb N (default 16), --chunk BYTES, --window N.
import { parseArgs } from 'node:util';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { FirmwareClient } from '../../shared/wire/fw-transfer.js';
import { makeBundle, makeCamera, makeFwPki } from '../update/fw-fixtures.js';
import { rawPtySeconds } from './pty-baseline.js';

const { values } = parseArgs({ options: { mb: { type: 'string' }, chunk: { type: 'string' }, window: { type: 'string' } }, strict: false });
const mb = Number(values.mb ?? 16);
const chunkBytes = Number(values.chunk ?? 64 * 1024);
const window = Number(values.window ?? 8);

const pki = makeFwPki();
const bundle = makeBundle(pki, '1.0.0', { bytes: Math.round(mb * 1024 * 1024) });
const { statSync } = await import('node:fs');
const bytes = statSync(bundle.path).size;
const pair = await startPtyPair();
const [dock, cam] = await Promise.all([openSerialLine(pair.a), openSerialLine(pair.b)]);

// Baseline: the same number of bytes dock -> cam through the same pty pair, unframed.
const rawSec = await rawPtySeconds(dock, cam, bytes);
const camera = makeCamera(pki, 'cam-bench');
const link = camera.start(cam);
const session = await openCameraSession({ line: dock, identity: pki.dock, caCertPem: pki.ca.certPem });
const fw = new FirmwareClient(session.rpc);
const t0 = process.hrtime.bigint();
const staged = await fw.stage(bundle.path, bundle.header, { chunkBytes, window });
const t1 = process.hrtime.bigint();
const r = await fw.commit(staged.sha256);
const t2 = process.hrtime.bigint();
if (r.version !== '1.0.0') throw new Error(`install failed: ${JSON.stringify(r)}`);
const stats = { ...session.stats };
await session.close();
link.close();
await Promise.all([dock.closeLine(), cam.closeLine()]);
await pair.stop();

const stageSec = Number(t1 - t0) / 1e9;
const commitSec = Number(t2 - t1) / 1e9;
const mbps = (s: number) => +(bytes / 1e6 / s).toFixed(2);
process.stdout.write(
  `${JSON.stringify({
    bench: 'fw-staging',
    bundleMB: +(bytes / 1e6).toFixed(2),
    chunkBytes,
    window,
    rawPtyMBps: mbps(rawSec),
    stageMBps: mbps(stageSec),
    commitSec: +commitSec.toFixed(3),
    ratio: +(rawSec / stageSec).toFixed(3),
    requests: stats.requests,
    retransmits: stats.retransmits,
  })}\n`,
);
