// The recorder's write queue is bounded (firmware/recorder.ts, docs/firmware.md "Writes falling
// behind"): with the flash stalled, live video past writeQueueBytes is left out in whole GOPs, the
// press's pre-record yields first, and every gap is in the clip's final metadata and the device log.
import test from 'ava';
import pino from 'pino';
import { Recorder, type ClipVault, type WriteGap } from '../../firmware/recorder.js';
import { parseConfig } from '../../firmware/config.js';
import type { VideoSegment } from '../../shared/hal.js';
import { SimButton } from '../../hardware-sim/button.js';
import { SimOutput } from '../../hardware-sim/output.js';
import { ScaledClock } from '../../shared/clock.js';

const SEG = 10_000; // bytes per 1 s segment
const T0 = Date.UTC(2026, 0, 1);

function setup(over: Record<string, unknown>) {
  const clock = new ScaledClock(T0, 200);
  const config = parseConfig({ deviceId: 'cam-7', purpose: 'patrol', paths: { flashDir: '/x', trustDir: '/y' }, ...over });
  const written: { startMs: number; keyframe: boolean }[] = [];
  let closed: Record<string, unknown> | undefined;
  // The flash: every append waits for the gate.
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const vault: ClipVault = {
    beginClip: async () => ({
      clipId: 'clip-0',
      appendSegment: async (s) => {
        await gate;
        written.push({ startMs: s.startMs, keyframe: s.keyframe });
      },
      close: async (_at, m) => void (closed = m),
      mark: async () => undefined,
    }),
  };
  const faults: Record<string, unknown>[] = [];
  let listener: ((s: VideoSegment) => void) | undefined;
  const source = { start: async () => undefined, stop: async () => undefined, onError: () => () => undefined, onSegment: (l: (s: VideoSegment) => void) => ((listener = l), () => undefined) };
  const button = new SimButton(clock);
  const rec = new Recorder({
    config, clock, button, source, vault, logger: pino({ level: 'silent' }),
    led: new SimOutput('led', clock), haptic: new SimOutput('haptic', clock),
    deviceLog: { append: (t, d) => void (t === 'fault' && faults.push(d as Record<string, unknown>)) },
  });
  rec.start();
  let seq = 0;
  /** One 1 s segment; a keyframe every `gop` segments. Its buffer is reused after the call unless retained. */
  const emit = (keyframe: boolean) => {
    const data = Buffer.alloc(SEG, seq & 0xff);
    const s: VideoSegment = { seq, startMs: T0 + seq * 1000, durationMs: 1000, keyframe, data, audioPids: [] };
    seq++;
    listener!(s);
    return s.startMs;
  };
  return { rec, button, emit, written, faults, closed: () => closed, openGate: () => open(), closeGate: () => (gate = new Promise<void>((r) => (open = r))) };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

test('flash stalled: the queue stays within writeQueueBytes; the pre-record yields, then whole live GOPs; the gaps are signed and logged', async (t) => {
  const s = setup({ prerecordSeconds: 10, writeQueueBytes: 64 * 1024 });
  for (let i = 0; i < 10; i++) s.emit(i % 2 === 0); // pre-record: 10 s, a keyframe every 2 s
  await s.button.press(100);
  await settle();
  // Flash stalled on the first pre-record segment: six live segments fit the 64 KiB queue, the rest is left out.
  const live: number[] = [];
  for (let i = 0; i < 10; i++) {
    live.push(s.emit(i % 2 === 0));
    t.true(s.rec.writeQueue().bytes <= 64 * 1024, `queue ${s.rec.writeQueue().bytes}`);
  }
  t.is(s.rec.writeQueue().bytes, 6 * SEG);
  s.openGate();
  await s.rec.idle();
  t.is(s.rec.writeQueue().bytes, 0);
  // Room again, but a non-keyframe segment cannot start a GOP: still left out; the next keyframe resumes.
  live.push(s.emit(false));
  const resumed = s.emit(true);
  s.emit(false);
  await s.rec.stopRecording(T0 + 30_000, 'long-press');
  await s.rec.idle();

  const starts = s.written.map((w) => w.startMs);
  // Pre-record: the first segment was on its way to the flash; the other 9 s yielded to the live video.
  t.deepEqual(starts.slice(0, 1), [T0]);
  // Live: the 6 queued segments, then the resumed GOP.
  t.deepEqual(starts.slice(1), [...live.slice(0, 6), resumed, resumed + 1000]);
  const gaps = s.closed()!.gaps as WriteGap[];
  t.deepEqual(gaps, [
    { reason: 'write-behind', part: 'prerecord', fromMs: T0 + 1000, toMs: T0 + 10_000, segments: 9, bytes: 9 * SEG },
    { reason: 'write-behind', part: 'live', fromMs: live[6]!, toMs: live[10]! + 1000, segments: 5, bytes: 5 * SEG },
  ]);
  // Every second of video is either in the clip or in a gap, none in both.
  const covered = [...starts.map((a) => [a, a + 1000] as const), ...gaps.map((g) => [g.fromMs, g.toMs] as const)].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < covered.length; i++) t.is(covered[i]![0], covered[i - 1]![1]);
  t.deepEqual(s.faults.map((f) => [f.kind, f.part]), [['write-behind', 'prerecord'], ['write-behind', 'live']]);
});

test('flash keeping up: nothing is left out and no gap is written', async (t) => {
  const s = setup({ prerecordSeconds: 5, writeQueueBytes: 64 * 1024 });
  s.openGate();
  for (let i = 0; i < 5; i++) s.emit(true);
  await s.button.press(100);
  for (let i = 0; i < 20; i++) {
    s.emit(i % 3 === 0);
    await settle();
  }
  await s.rec.stopRecording(T0 + 60_000, 'long-press');
  await s.rec.idle();
  t.is(s.written.length, 25);
  t.false('gaps' in s.closed()!);
  t.deepEqual(s.faults, []);
});

test('a gap running when the clip stops is closed into that clip', async (t) => {
  const s = setup({ prerecordSeconds: 0, writeQueueBytes: 64 * 1024 });
  await s.button.press(100);
  for (let i = 0; i < 9; i++) s.emit(true);
  const stop = s.rec.stopRecording(T0 + 20_000, 'long-press');
  s.openGate();
  await stop;
  const gaps = s.closed()!.gaps as WriteGap[];
  t.is(gaps.length, 1);
  t.like(gaps[0], { part: 'live', segments: 3, fromMs: T0 + 6000, toMs: T0 + 9000 });
  t.is(s.written.length, 6);
});
