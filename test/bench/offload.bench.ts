// Dock → real mosquitto → central ingest (fsync'd blob, index, signed receipt), in MB/s, against two
// raw baselines measured in the same run over the same broker: mqtt.js QoS 1 publish of the same
// chunk frames to a counting sink, and mosquitto_pub -q 1 of the same clip files.
// Target: offload ≥ 40 MB/s and ≥ 0.6 × the slower raw baseline.
// Flags: --total-mb N (default 200), --gb (1024 MB), --chunk-kib K (256), --inflight N (32), --parallel N (4, the agent's default parallelUploads).
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { Uploader } from '../../dock-agent/uploader.js';
import { encodeChunk } from '../../shared/mqtt/codec.js';
import { createLogger } from '../../shared/log.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { MB, arg, child, cpuMeter, pool, r2, startBenchMosquitto, writeClip } from './mqtt-bench-lib.js';
import { dockAuthFor } from '../helpers/pki.js';

const totalMB = process.argv.includes('--gb') ? 1024 : arg('total-mb', 200);
const chunkSize = arg('chunk-kib', 256) * 1024;
const inflight = arg('inflight', 32);
const parallel = arg('parallel', 4);
const clipMB = Math.min(20, totalMB);

const dir = await mkdtemp(path.join(os.tmpdir(), 'offload-bench-'));
const mosq = await startBenchMosquitto(['bench-dock']);
try {
  const clips = [];
  for (let left = totalMB * MB; left > 0; left -= clipMB * MB) clips.push(await writeClip(dir, randomUUID(), Math.min(clipMB * MB, left)));
  const total = clips.reduce((s, c) => s + c.clip.bytes, 0);

  // Baseline 1: mqtt.js raw publish of the same frames.
  const frameBytes = clips.reduce((s, c) => s + c.clip.bytes + 44 * Math.ceil(c.clip.bytes / chunkSize), 0);
  let sink = await child(['sink', mosq.url, 'bench/raw/#', String(frameBytes)]);
  const rawSink = sink;
  const pub = await mqtt.connectAsync(mosq.url, { protocolVersion: 4, clean: true, ...mqttTlsOptions(mosq.endpoint('bench-raw').tls) });
  const cpu = cpuMeter();
  let t0 = performance.now();
  await pool(clips, parallel, async (c) => {
    const fh = await open(c.file, 'r');
    const idx = Array.from({ length: Math.ceil(c.clip.bytes / chunkSize) }, (_, i) => i);
    await pool(idx, inflight, async (i) => {
      const buf = Buffer.allocUnsafe(Math.min(chunkSize, c.clip.bytes - i * chunkSize));
      await fh.read(buf, 0, buf.length, i * chunkSize);
      await pub.publishAsync(`bench/raw/${c.clip.clipId}/${i}`, encodeChunk(i, chunkSize, buf), { qos: 1 });
    });
    await fh.close();
  });
  await sink.waitDone;
  const rawMqttjs = total / MB / ((performance.now() - t0) / 1000);
  const rawMqttjsCpu = cpu();
  await pub.endAsync();

  // Baseline 2: mosquitto_pub -q 1 -f <clip file>, one process per clip (TLS, as the bench-raw identity).
  const rawFiles = mosq.files('bench-raw');
  const rawTlsArgs = ['--cafile', rawFiles.caPath, '--cert', rawFiles.certPath, '--key', rawFiles.keyPath];
  sink = await child(['sink', mosq.url, 'bench/pub/#', String(total)]);
  cpu();
  t0 = performance.now();
  await pool(clips, parallel, (c) => new Promise<void>((resolve, reject) => {
    const p = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mosq.port), ...rawTlsArgs, '-q', '1', '-t', `bench/pub/${c.clip.clipId}`, '-f', c.file], { stdio: 'ignore' });
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exit ${code}`))));
  }));
  await sink.waitDone;
  const rawMosquittoPub = total / MB / ((performance.now() - t0) / 1000);
  const rawMosquittoPubCpu = cpu();

  // The offload: uploader → mosquitto → ingest (separate process) → receipts back.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = path.join(dir, 'central.key.pem');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const central = await child(['central', mosq.url, dir, keyFile]);
  const up = new Uploader({ ...dockAuthFor('bench-dock'), mqtt: mosq.endpoint('bench-dock'), dockId: 'bench-dock', centralPublicKey: publicKey, chunkSize, inflight, log: createLogger('up', 'warn') });
  await up.ready();
  cpu();
  t0 = performance.now();
  await pool(clips, parallel, (c) => up.upload(c.clip, c.file));
  const offload = total / MB / ((performance.now() - t0) / 1000);
  const offloadCpu = cpu();
  await up.close();
  central.proc.stdin!.end();
  await new Promise((r) => central.proc.once('exit', r));

  const slower = Math.min(rawMqttjs, rawMosquittoPub);
  process.stdout.write(JSON.stringify({
    bench: 'offload', totalMB: r2(total / MB), clips: clips.length, chunkKiB: chunkSize / 1024, inflight, parallel,
    offloadMBps: r2(offload), rawMqttjsMBps: r2(rawMqttjs), rawMosquittoPubMBps: r2(rawMosquittoPub),
    ratioVsSlowerRaw: r2(offload / slower),
    // Machine-wide busy core-seconds per phase (mqtt-bench-lib cpuMeter): what each path costs the 2 cores.
    cpuCoreS: { rawMqttjs: rawMqttjsCpu, rawMosquittoPub: rawMosquittoPubCpu, offload: offloadCpu },
    // The receiving process's own CPU for the same bytes: the counting sink (mqtt.js frames) vs the central ingest.
    processCpuS: { sink: rawSink.cpuS(), central: central.cpuS() }, target: { offloadMBps: 40, ratio: 0.6 },
    meets: { offloadMBps: offload >= 40, ratio: offload / slower >= 0.6 },
  }) + '\n');
} finally {
  await mosq.stop();
  await rm(dir, { recursive: true, force: true });
}
