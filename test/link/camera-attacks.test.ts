// Issue 12 on the real firmware process (hardware-sim camera on the sim HAL) over a socat pty: each
// attack a hostile device on the dock port tried, then a real dock. One camera for the file; each test
// docks it on a fresh pty pair.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { startCameraProcess, type CameraProcess } from '../../hardware-sim/camera-process.js';
import { createFleetPki, provisionCamera } from '../../hardware-sim/fleet/pki.js';
import { openSerialLine } from '../../shared/serial-port.js';
import type { SerialLine } from '../../shared/hal.js';
import { ErrorCode, MsgType } from '../../shared/wire/messages.js';
import { stackedHeader } from '../wire/adversarial.js';
import { dockOnFreshPty } from './dock-pty.js';
import { RawPeer } from './raw-peer.js';

const pki = createFleetPki();
const IDLE_MS = 1500;
let cam: CameraProcess;
let dir: string;

test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'link-attacks-'));
  provisionCamera(pki, path.join(dir, 'trust'), 'cam-atk');
  cam = await startCameraProcess(dir, {
    deviceId: 'cam-atk', purpose: 'guarding', hal: 'sim', prerecordSeconds: 1, dockSessionIdleMs: IDLE_MS,
    paths: { flashDir: path.join(dir, 'flash'), trustDir: path.join(dir, 'trust') }, camera: { synthetic: true, fps: 10, gop: 5, bitrateKbps: 200 },
  });
});
test.after.always(async () => {
  await cam?.kill9();
  await rm(dir, { recursive: true, force: true });
});

const dock = (t: import('ava').ExecutionContext) => dockOnFreshPty(t, cam);
async function raw(t: import('ava').ExecutionContext, tty: string): Promise<RawPeer> {
  const line = await openSerialLine(tty);
  t.teardown(() => line.closeLine());
  return new RawPeer(line);
}
/** A real dock's handshake; resolves with how long it took. */
async function realDock(t: import('ava').ExecutionContext, tty: string) {
  const line = await openSerialLine(tty);
  t.teardown(() => line.closeLine());
  return realDockOn(line);
}
/** The same open tty the attacker used (a serial port is opened once: the requester changes, not the line). */
async function realDockOn(line: SerialLine) {
  const started = performance.now();
  const s = await openCameraSession({ line, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 1000, retries: 3 });
  return { s, ms: performance.now() - started, line };
}
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.serial('a HELLO or AUTH whose payload is not JSON is BAD_REQUEST naming the message, not INTERNAL', async (t) => {
  const peer = await raw(t, await dock(t));
  const hello = await peer.request(MsgType.HELLO, Buffer.from('\xff\x00not json'));
  t.is(hello.error?.code, ErrorCode.BAD_REQUEST);
  t.regex(hello.error?.reason ?? '', /HELLO: payload is not/);
  const arr = await peer.request(MsgType.HELLO, Buffer.from('[1,2]'));
  t.is(arr.error?.code, ErrorCode.BAD_REQUEST);
  const auth = await peer.request(MsgType.AUTH, Buffer.from('{'));
  t.is(auth.error?.code, ErrorCode.BAD_REQUEST);
});

test.serial('SET_CLOCK: 0, before the build, past 8.64e15, 2^53-1 and far from the RTC are BAD_REQUEST; the next SET_CLOCK works; every accepted change is logged', async (t) => {
  const tty = await dock(t);
  const { s } = await realDock(t, tty);
  const before = Number((await cam.send({ op: 'status' })).now);
  for (const epochMs of [0, 1, Date.parse('2020-01-01'), 8.64e15 + 1, Number.MAX_SAFE_INTEGER, Date.now() + 3 * 86_400_000, Date.now() - 5 * 3_600_000]) {
    const err = await t.throwsAsync(s.setClock(epochMs), undefined, `epochMs ${epochMs}`);
    t.regex(err!.message, /BAD_REQUEST: (epochMs|force)/, `epochMs ${epochMs}`);
  }
  // A dock cannot force it.
  t.regex((await t.throwsAsync(s.setClock(Date.now() + 3 * 86_400_000, { reason: 'trust me' })))!.message, /BAD_REQUEST: force: only a technician/);
  const after = Number((await cam.send({ op: 'status' })).now);
  t.true(Math.abs(after - before) < 60_000, 'no refused value moved the clock');
  await s.setClock(Date.now() + 5_000);
  await s.setClock(Date.now());
  const log = await s.fetchLog(0);
  const sets = log.filter((e) => e.type === 'clock-set');
  t.is(sets.length, 2, 'both accepted changes logged, even the small one');
  t.like(sets[0]!.data, { by: { role: 'dock', id: 'dock-1' }, basis: 'in-window' });
  // Values past what a Date holds are refused by the link before the clock policy; the rest are logged.
  t.true(log.filter((e) => e.type === 'clock-refused').length >= 6);
  const now = Number((await cam.send({ op: 'status' })).now);
  t.true(Math.abs(now - Date.now()) < 60_000);
  await s.close();
});

test.serial('a dock that left without BYE: after the line was idle, a requester that never sent HELLO gets AUTH_REQUIRED; after BYE too', async (t) => {
  const tty = await dock(t);
  const { s, line } = await realDock(t, tty);
  t.true(Array.isArray(await s.listClips()));
  // The dock goes away without BYE (its session object is dropped; the tty stays open).
  s.rpc.link.detach();
  await sleep(IDLE_MS + 1000);
  const intruder = new RawPeer(line);
  for (const type of [MsgType.LIST_CLIPS, MsgType.GET_LOG, MsgType.SET_CLOCK]) {
    const r = await intruder.request(type, Buffer.from(type === MsgType.GET_LOG ? '{"sinceSeq":0}' : type === MsgType.SET_CLOCK ? `{"epochMs":${Date.now()}}` : '{}'));
    t.is(r.error?.code, ErrorCode.AUTH_REQUIRED, `type 0x${type.toString(16)}`);
  }
  intruder.detach();
  // After BYE.
  const { s: s2 } = await realDockOn(line);
  await s2.close();
  const after = new RawPeer(line);
  t.is((await after.request(MsgType.LIST_CLIPS, Buffer.from('{}'))).error?.code, ErrorCode.AUTH_REQUIRED);
  after.detach();
});

test.serial('a session idle past its limit is re-authenticated by the dock transparently: requests keep working', async (t) => {
  const { s } = await realDock(t, await dock(t));
  await s.listClips();
  await sleep(IDLE_MS + 1000);
  t.true(Array.isArray(await s.listClips()));
  await s.close();
});

test.serial('18-byte stall: a header claiming 1 MiB, then silence; a real dock then authenticates within 1 s', async (t) => {
  const tty = await dock(t);
  const attacker = await raw(t, tty);
  await attacker.write(stackedHeader(1));
  await sleep(1000);
  attacker.detach();
  const { s, ms } = await realDockOn(attacker.line as SerialLine);
  t.log(`authenticated in ${ms.toFixed(0)} ms after the stall`);
  t.true(ms < 1000, `${ms} ms`);
  t.is(s.stats.retransmits, 0);
  await s.close();
});

test.serial('random bytes on the line, then a real dock authenticates within 1 s', async (t) => {
  const tty = await dock(t);
  const attacker = await raw(t, tty);
  const seconds = Number(process.env.LINK_RANDOM_SECONDS ?? 5);
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  while (Date.now() < end) {
    const b = randomBytes(4096);
    await attacker.write(b);
    sent += b.length;
  }
  attacker.detach();
  const { s, ms } = await realDockOn(attacker.line as SerialLine);
  t.log(`${(sent / 1e6).toFixed(1)} MB of random bytes in ${seconds} s; authenticated ${ms.toFixed(0)} ms after`);
  t.true(ms < 1000, `${ms} ms`);
  await s.close();
});

test.serial('flood of valid tiny frames whose replies are never read: camera RSS stays bounded, it keeps recording, a real dock gets in after', async (t) => {
  const tty = await dock(t);
  const pid = cam.pid!;
  await cam.send({ op: 'press' });
  await sleep(1000);
  const rss0 = rssMb(pid);
  const rec0 = Number((await cam.send({ op: 'status' })).lastSegmentEndMs);
  const attacker = await raw(t, tty);
  attacker.stopReading();
  const seconds = Number(process.env.LINK_FLOOD_SECONDS ?? 10);
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  let peak = rss0;
  let seq = 1;
  let lastSample = 0;
  while (Date.now() < end) {
    const frames: Buffer[] = [];
    for (let i = 0; i < 200; i++) frames.push(RawPeer.frame(MsgType.LIST_CLIPS, seq++, Buffer.from('{}')));
    const b = Buffer.concat(frames);
    // A write that never completes is the camera pushing back: that is the point, stop waiting for it.
    await Promise.race([attacker.write(b), sleep(200)]);
    sent += b.length;
    if (Date.now() - lastSample > 250) { peak = Math.max(peak, rssMb(pid)); lastSample = Date.now(); }
  }
  const status = await cam.send({ op: 'status' });
  t.is(status.recorder, 'recording');
  t.true(Number(status.lastSegmentEndMs) > rec0 + (seconds - 3) * 1000, 'recording kept going through the flood');
  t.log(`flood ${seconds} s, ${(sent / 1e6).toFixed(1)} MB offered; RSS ${rss0.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB`);
  t.true(peak - rss0 < 64, `RSS grew ${(peak - rss0).toFixed(0)} MB (bound 64 MB)`);
  await cam.send({ op: 'long-press' });
  attacker.detach();
  // The flooder hangs up; a real dock on a new line gets in at once.
  const { s } = await realDock(t, await dock(t));
  t.true(Array.isArray(await s.listClips()));
  await s.close();
});
