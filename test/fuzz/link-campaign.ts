// Fuzz campaign of the live camera over a socat pty (issue 12): the real firmware process on the sim
// HAL, recording, docked on a pty; a seeded fuzzer writes random bytes, stacked headers, floods it
// never reads, and frames replayed and mutated from a recording of a real dock session. Every 20 s a
// real dock must authenticate; at the end it offloads a clip (pull, hash, wipe with a receipt).
// Usage: npm run fuzz-link -- --minutes 10 --seed 1      (prints one JSON result; exit 1 on any failure)
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { openCameraSession, type SerialCameraSession } from '../../dock-agent/serial/session.js';
import { startCameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { startPtyPair } from '../../hardware-sim/serial.js';
import { signDocument, type ReceiptBody } from '../../shared/evidence.js';
import { openSerialLine } from '../../shared/serial-port.js';
import { FrameDecoder, encodeFrame, type Frame } from '../../shared/wire/frame.js';
import { MsgType } from '../../shared/wire/messages.js';
import { stackedHeader } from '../wire/adversarial.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const minutes = arg('minutes', 10);
const seed = arg('seed', 1);
const RSS_BOUND_MB = 64;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: the whole campaign is a function of the seed (and of timing). */
function prng(s: number) {
  let a = s >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; };
  return { next, int, bytes, pick: <T>(xs: T[]) => xs[int(xs.length)]! };
}
const rnd = prng(seed);
const pki = createFleetPki();
const dir = await mkdtemp(path.join(os.tmpdir(), 'fuzz-link-'));
provisionCamera(pki, path.join(dir, 'trust'), 'cam-fuzz');
const cam = await startCameraProcess(dir, {
  deviceId: 'cam-fuzz', purpose: 'guarding', hal: 'sim', prerecordSeconds: 1, dockSessionIdleMs: 5000,
  paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust') }, camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
});
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${cam.pid}/status`, 'utf8'))![1]) / 1024;
let crashed: string | null = null;
void cam.exited.then((e) => { crashed = `camera exited: code ${e.code} signal ${e.signal}: ${cam.stderr().slice(-500)}`; });
const result: Record<string, unknown> = { minutes, seed };
const failures: string[] = [];

try {
  // Two clips on flash, then keep recording through the campaign.
  for (let i = 0; i < 2; i++) { await cam.send({ op: 'press' }); await sleep(1500); await cam.send({ op: 'long-press' }); }
  await cam.send({ op: 'press' });
  const pty = await startPtyPair();
  await cam.send({ op: 'dock', tty: pty.b });
  const line = await openSerialLine(pty.a);

  // Record a real session: every frame the dock writes.
  const recorded: Frame[] = [];
  const tap = new FrameDecoder();
  tap.on('data', (f: Frame) => recorded.push(f));
  const write = line.write.bind(line) as Duplex['write'];
  (line as { write: unknown }).write = (chunk: Buffer, ...rest: unknown[]) => { tap.write(chunk); return (write as (...a: unknown[]) => boolean)(chunk, ...rest); };
  const realSession = async (): Promise<SerialCameraSession> => openCameraSession({ line, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 1000, retries: 4 });
  {
    const s = await realSession();
    const clips = await s.listClips();
    await s.setClock(Date.now());
    await s.fetchLog(0);
    const dest = path.join(dir, 'probe.bin');
    await s.pullClip(clips[0]!, dest);
    await s.close();
  }
  (line as { write: unknown }).write = write;
  tap.destroy();
  result.recordedFrames = recorded.length;

  const baseline = rssMb();
  let peak = baseline;
  const counts: Record<string, number> = {};
  const checks: number[] = [];
  const end = Date.now() + minutes * 60_000;
  let nextCheck = Date.now() + 20_000;
  const reader = new FrameDecoder({ idleMs: 200 });
  reader.on('data', () => undefined);
  let reading = true;
  line.pipe(reader);
  const send = async (b: Buffer) => {
    // A camera pushing back blocks our write: give up on it after a while, as a hostile peer would.
    if (!line.write(b)) await Promise.race([new Promise((r) => line.once('drain', r)), sleep(500)]);
  };
  const mutate = (f: Frame): Buffer => {
    const b = encodeFrame(f.type, f.flags, rnd.int(2 ** 31), f.payload);
    switch (rnd.int(6)) {
      case 0: for (let k = 0, n = 1 + rnd.int(8); k < n; k++) b[rnd.int(b.length)] = rnd.int(256); return b; // flipped bytes, CRCs now wrong
      case 1: return b.subarray(0, rnd.int(b.length)); // cut short
      case 2: { const p = Buffer.from(f.payload); for (let k = 0, n = 1 + rnd.int(8); k < n && p.length; k++) p[rnd.int(p.length)] = rnd.int(256); return encodeFrame(f.type, 0, rnd.int(2 ** 31), p); } // valid CRCs, bad payload
      case 3: return encodeFrame(rnd.int(256), rnd.int(4), rnd.int(2 ** 31), f.payload); // another type or flags
      case 4: { // JSON fields given odd values
        try {
          const o = JSON.parse(f.payload.toString()) as Record<string, unknown>;
          for (const k of Object.keys(o)) o[k] = rnd.pick<unknown>([0, -1, 2 ** 53, 8.64e15 + 1, '', 'x'.repeat(20000), null, [], {}, true, 1.5]);
          return encodeFrame(f.type, 0, rnd.int(2 ** 31), Buffer.from(JSON.stringify(o)));
        } catch { return b; }
      }
      default: return Buffer.concat([b.subarray(0, rnd.int(b.length)), encodeFrame(f.type, 0, rnd.int(2 ** 31), f.payload)]); // spliced
    }
  };
  while (Date.now() < end && !crashed) {
    const mode = rnd.pick(['random', 'stacked', 'flood-unread', 'replay', 'mutated', 'mutated', 'replay-burst']);
    counts[mode] = (counts[mode] ?? 0) + 1;
    if (mode === 'flood-unread' && reading) { line.unpipe(reader); reading = false; }
    if (mode !== 'flood-unread' && !reading) { line.pipe(reader); reading = true; }
    const until = Date.now() + 200 + rnd.int(2000);
    while (Date.now() < until && !crashed) {
      if (mode === 'random') await send(rnd.bytes(1 + rnd.int(4096)));
      else if (mode === 'stacked') await send(Buffer.concat(Array.from({ length: 1 + rnd.int(200) }, () => stackedHeader(rnd.int(2 ** 31), rnd.int(1024 * 1024 + 1)))));
      else if (mode === 'flood-unread') await send(Buffer.concat(Array.from({ length: 200 }, () => encodeFrame(MsgType.LIST_CLIPS, 0, rnd.int(2 ** 31), Buffer.from('{}')))));
      else if (mode === 'replay') await send(Buffer.concat(recorded.slice(rnd.int(recorded.length)).slice(0, 8).map((f) => encodeFrame(f.type, f.flags, f.seq, f.payload))));
      else if (mode === 'replay-burst') await send(Buffer.concat(Array.from({ length: 20 }, () => { const f = rnd.pick(recorded); return encodeFrame(f.type, f.flags, f.seq, f.payload); })));
      else await send(Buffer.concat(Array.from({ length: 1 + rnd.int(10) }, () => mutate(rnd.pick(recorded)))));
      if (rnd.int(20) === 0) await sleep(rnd.int(700)); // pauses let partial frames time out
    }
    peak = Math.max(peak, rssMb());
    if (Date.now() >= nextCheck && !crashed) {
      nextCheck = Date.now() + 20_000;
      if (!reading) { line.pipe(reader); reading = true; }
      line.unpipe(reader);
      reading = false;
      await sleep(600); // the fuzzer stops, as a hostile dock leaves
      const t0 = performance.now();
      try {
        const status = await cam.send({ op: 'status' }, 10_000);
        if (status.recorder !== 'recording') failures.push(`camera stopped recording: ${String(status.recorder)}`);
        const s = await realSession();
        checks.push(Math.round(performance.now() - t0));
        await s.listClips();
        await s.close();
      } catch (err) {
        failures.push(`health check at ${new Date().toISOString()}: ${(err as Error).message}`);
      }
      line.pipe(reader);
      reading = true;
    }
  }
  line.unpipe(reader);
  await sleep(600);
  result.modes = counts;
  result.rssMb = { baseline: Math.round(baseline), peak: Math.round(peak), bound: RSS_BOUND_MB };
  if (peak - baseline > RSS_BOUND_MB) failures.push(`RSS grew ${Math.round(peak - baseline)} MB (bound ${RSS_BOUND_MB})`);
  result.dockAuthChecks = { count: checks.length, maxMs: Math.max(0, ...checks), medianMs: [...checks].sort((a, b) => a - b)[Math.floor(checks.length / 2)] ?? null };
  if (crashed) failures.push(crashed);
  else {
    // A real dock still offloads: pull a clip (hash-checked), wipe it with a receipt, the camera logs it.
    await cam.send({ op: 'long-press' });
    const s = await realSession();
    const clips = (await s.listClips()).filter((c) => c.state !== 'recording' && c.sha256);
    const clip = clips[0]!;
    const dest = path.join(dir, 'offload.bin');
    await rm(dest, { force: true });
    await s.pullClip(clip, dest);
    const sha = createHash('sha256').update(await readFile(dest)).digest('hex');
    const body: ReceiptBody = { v: 1, kind: 'clip-receipt', clipId: clip.clipId, deviceId: 'cam-fuzz', sha256: sha, bytes: clip.bytes, storedAt: new Date().toISOString(), storeId: randomUUID() };
    const cert = await s.wipe(clip.clipId, signDocument(body, pki.receiptKey.privateKey));
    const after = await s.listClips();
    result.finalOffload = { clips: clips.length, pulledBytes: clip.bytes, hashOk: sha === clip.sha256, wiped: !after.some((c) => c.clipId === clip.clipId), certificate: typeof cert.body === 'string' };
    if (sha !== clip.sha256 || after.some((c) => c.clipId === clip.clipId)) failures.push('final offload failed');
    await s.close();
  }
  line.destroy();
  await pty.stop();
} catch (err) {
  failures.push(`campaign error: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cam.kill9();
  await rm(dir, { recursive: true, force: true });
}
result.failures = failures;
result.ok = failures.length === 0;
console.log(JSON.stringify(result));
process.exit(failures.length === 0 ? 0 : 1);
