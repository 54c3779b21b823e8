// Flash nearly full (issue 6): the recorder on the real vault over a simulated flash of small capacity.
// It records what fits, closes that clip cleanly as 'flash-full', refuses new clips while full (logged),
// never touches a clip already closed, and records again once a wipe has made room.
import test from 'ava';
import pino from 'pino';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from '../../firmware/recorder.js';
import { parseConfig } from '../../firmware/config.js';
import { SimButton } from '../../hardware-sim/button.js';
import { SimFlash } from '../../hardware-sim/flash.js';
import { SimOutput } from '../../hardware-sim/output.js';
import { SyntheticSource } from '../../hardware-sim/synthetic-source.js';
import { decryptBuffer } from '../../shared/clip/reader.js';
import { ScaledClock } from '../../shared/clock.js';
import { sha256Hex } from '../../shared/crypto.js';
import { tempDir } from '../clip/helpers.js';
import { evidence, openVault, receiptFor } from '../clip/vault-helpers.js';

/** Resolves at the first segment the source emits once `done()` holds; fails after `max` segments. */
function segmentsUntil(source: SyntheticSource, done: () => boolean, max: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const off = source.onSegment(() => {
      if (done()) (off(), resolve());
      else if (++n >= max) (off(), reject(new Error(`still not done after ${max} segments`)));
    });
  });
}

test('flash nearly full: the clip keeps what fits and closes, new clips are refused and logged, closed clips stay intact', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const clock = new ScaledClock(Date.UTC(2026, 0, 1), 100);
  const reserve = 100 * 1024;
  const flash = new SimFlash(1, dir);
  // Room for about 12 s of video at 400 kbit/s (50 kB/s) above the reserve.
  flash.setCapacity((await flash.totalBytes()) - (await flash.freeBytes()) + 1 + reserve + 600 * 1024);
  const config = parseConfig({ deviceId: 'cam-7', purpose: 'patrol', prerecordSeconds: 2, longPressMs: 500, flashReserveBytes: reserve, paths: { flashDir: dir, trustDir: '/y' } });
  const button = new SimButton(clock);
  const source = new SyntheticSource({ bitrateKbps: 400, gopMs: 1000, clock });
  const rec = new Recorder({
    config, clock, button, led: new SimOutput('led', clock), haptic: new SimOutput('haptic', clock), source, vault, deviceLog: log,
    logger: pino({ level: 'silent' }), flash,
  });
  rec.start();
  t.teardown(() => source.stop());
  const wait = (ms: number) => new Promise((r) => clock.setTimeout(() => r(null), ms));
  await source.start();
  await wait(3000);

  // Clip 1 fits: closed by the guard.
  await button.press(100);
  await wait(3000);
  await button.longPress(800);
  await rec.idle();
  const [first] = vault.list();
  t.is(first?.state, 'closed');
  const firstBytes = readFileSync(join(dir, 'clips', `${first!.clipId}.bcc`));

  // Clip 2 runs out of room: the recorder closes it itself. Counted in segments, not time: on a loaded
  // machine the source's timer runs late and fewer segments come per second (30 s of clock once held
  // too few to fill the flash), never fewer per byte. 120 segments (6 MB) are ten times the room.
  await button.press(100);
  await segmentsUntil(source, () => rec.state === 'idle', 120);
  await rec.idle();
  t.is(rec.state, 'idle');
  const clips = vault.list();
  t.is(clips.length, 2);
  const second = clips.find((c) => c.clipId !== first!.clipId)!;
  t.is(second.state, 'closed');
  const { stats, plaintext } = decryptBuffer(readFileSync(join(dir, 'clips', `${second.clipId}.bcc`)), evidence.privateKey);
  t.is(stats.finalMeta?.stopReason, 'flash-full');
  t.true(plaintext.length > 200_000, `only ${plaintext.length} bytes kept`);
  t.true(await flash.freeBytes() < reserve + 64 * 1024, 'the clip stopped long before the flash was full');

  // A press while full is refused, and says so in the device log. Free space wobbles around the
  // reserve (the index journal, the device log): put it just above the reserve, as a vanished journal
  // would, and the press is still refused until a wipe brings real room.
  const cap = await flash.totalBytes();
  flash.setCapacity(cap + reserve + 1 - await flash.freeBytes());
  t.is(await flash.freeBytes(), reserve + 1);
  await button.press(100);
  await wait(2000);
  await rec.idle();
  t.is(vault.list().length, 2);
  const faults = log.since(0).filter((e) => e.type === 'fault').map((e) => e.data);
  t.like(faults[0], { kind: 'flash-full', clipId: second.clipId });
  t.like(faults[1], { kind: 'flash-full', refused: true });
  // The clip closed before the flash filled is byte-for-byte what it was.
  t.is(sha256Hex(readFileSync(join(dir, 'clips', `${first!.clipId}.bcc`))), sha256Hex(firstBytes));
  t.is(first!.sha256, sha256Hex(firstBytes));

  // A dock wipes clip 1 against its receipt: there is room again and the next press records.
  await vault.wipe(first!.clipId, receiptFor(first!));
  await button.press(100);
  await wait(2000);
  t.is(rec.state, 'recording');
  await rec.close();
  t.is(vault.list().length, 2);
  t.true(log.verify().ok);
});
