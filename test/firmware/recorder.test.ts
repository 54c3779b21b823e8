import test from 'ava';
import pino from 'pino';
import { Recorder, type ClipVault } from '../../firmware/recorder.js';
import { parseConfig } from '../../firmware/config.js';
import { SimButton } from '../../hardware-sim/button.js';
import { SimOutput } from '../../hardware-sim/output.js';
import { SyntheticSource } from '../../hardware-sim/synthetic-source.js';
import { ScaledClock } from '../../shared/clock.js';

interface FakeClip { clipId: string; meta: Record<string, unknown>; segs: { startMs: number; keyframe: boolean; data: Buffer }[]; marks: number[]; closed?: { at: number; meta: Record<string, unknown> } }

/** The bytes of an appended segment, copied: the ring's blocks and recycled capture buffers are reused after the append. */
const bytesOf = (d: Buffer | readonly Buffer[]) => Buffer.concat(Buffer.isBuffer(d) ? [d] : d);

function setup(over: Record<string, unknown> = {}, speed = 200, recycle = false, appendDelayMs = 0) {
  const clock = new ScaledClock(Date.UTC(2026, 0, 1), speed);
  const config = parseConfig({ deviceId: 'cam-7', purpose: 'patrol', paths: { flashDir: '/x', trustDir: '/y' }, ...over });
  const clips: FakeClip[] = [];
  const vault: ClipVault = {
    beginClip: async (meta) => {
      const c: FakeClip = { clipId: `clip-${clips.length}`, meta, segs: [], marks: [] };
      clips.push(c);
      return {
        clipId: c.clipId,
        appendSegment: async (s) => {
          // A slow flash: later segments arrive while this one waits (its buffer must stay held).
          if (appendDelayMs) await new Promise((r) => setTimeout(r, appendDelayMs));
          c.segs.push({ ...s, data: bytesOf(s.data) });
        },
        close: async (at, m) => void (c.closed = { at, meta: m }),
        mark: async (at) => void c.marks.push(at),
      };
    },
  };
  const events: string[] = [];
  const button = new SimButton(clock);
  const led = new SimOutput('led', clock);
  const haptic = new SimOutput('haptic', clock);
  const source = new SyntheticSource({ bitrateKbps: 200, gopMs: 1000, clock, recycle });
  const rec = new Recorder({ config, clock, button, led, haptic, source, vault, deviceLog: { append: (t) => void events.push(t) }, logger: pino({ level: 'silent' }) });
  rec.start();
  const wait = (ms: number) => new Promise((r) => clock.setTimeout(() => r(null), ms));
  /** Wait until the camera has produced `ms` more of video (not wall time: a loaded machine delays the source's ticks). */
  const waitVideo = async (ms: number) => {
    while (rec.lastSegmentEndMs === 0) await new Promise((r) => setTimeout(r, 5));
    const until = rec.lastSegmentEndMs + ms;
    while (rec.lastSegmentEndMs < until) await new Promise((r) => setTimeout(r, 5));
  };
  return { clock, clips, events, button, led, haptic, source, rec, wait, waitVideo };
}

test('clip holds the 60 s before the press, then live; long press stops', async (t) => {
  const s = setup({}, 100);
  t.teardown(() => s.source.stop());
  await s.source.start();
  await s.waitVideo(75_000);
  const pressAt = s.clock.now();
  const lastSeen = s.rec.lastSegmentEndMs;
  await s.button.press(100);
  t.true(s.led.get());
  await s.waitVideo(10_000); // camera video time, like the pre-record wait above
  await s.button.longPress(3500);
  // The stop pattern runs on camera-clock timers: wait for it (bounded) rather than a fixed time.
  for (let i = 0; i < 200 && s.haptic.pulses() < 5; i++) await new Promise((r) => setTimeout(r, 10));
  await s.rec.idle();
  t.false(s.led.get());
  t.is(s.clips.length, 1);
  const c = s.clips[0]!;
  t.true(c.segs[0]!.keyframe);
  // Timestamps are the camera's: measure against the end of the last buffered segment.
  const pre = (lastSeen - c.segs[0]!.startMs) / 1000;
  t.true(pre >= 59 && pre <= 61, `pre ${pre}`);
  t.true(Math.abs((c.meta.prerecordSeconds as number) - pre) < 0.5, `meta ${c.meta.prerecordSeconds}`);
  t.is(c.meta.deviceId, 'cam-7');
  t.false('location' in c.meta || 'lat' in c.meta);
  t.truthy(c.closed);
  t.true(c.segs[c.segs.length - 1]!.startMs > lastSeen + 8000);
  t.true(s.haptic.pulses() >= 5); // start pattern + stop pattern
  t.deepEqual(s.events.filter((e) => e.startsWith('record')), ['record-start', 'record-stop']);
});

test('short press while recording does not stop: it adds a marker at the press (haptic tick, device log)', async (t) => {
  // Slower clock: a stall between the 500 ms press's edges must not read as a long press.
  const s = setup({ prerecordSeconds: 5 }, 20);
  t.teardown(() => s.source.stop());
  await s.source.start();
  await s.wait(6000);
  await s.button.press(100);
  await s.wait(2000);
  const pulses = s.haptic.pulses();
  const before = s.clock.now();
  await s.button.press(500);
  const after = s.clock.now();
  await s.wait(5000);
  await s.rec.idle();
  t.is(s.rec.state, 'recording');
  t.true(s.led.get());
  t.is(s.clips[0]!.closed, undefined);
  t.is(s.clips[0]!.marks.length, 1);
  const m = s.clips[0]!.marks[0]!;
  t.true(m >= before && m <= after, `marker at the button-down (${m} in ${before}..${after})`);
  t.true(s.events.includes('marker'));
  t.true(s.haptic.pulses() > pulses, 'a haptic tick');
  await s.rec.close();
  t.truthy(s.clips[0]!.closed);
});

test('max clip length rolls over without a gap', async (t) => {
  // 20x: the clip starts at the press's clock time; a source lagging the clock under load must not eat the margin.
  const s = setup({ prerecordSeconds: 0, maxClipSeconds: 5 }, 20);
  t.teardown(() => s.source.stop());
  await s.source.start();
  await s.waitVideo(1500);
  await s.button.press(100);
  await s.waitVideo(13_000);
  await s.rec.close();
  t.true(s.clips.length >= 2, `clips ${s.clips.length}`);
  const a = s.clips[0]!, b = s.clips[1]!;
  const lastA = a.segs[a.segs.length - 1]!;
  t.is(lastA.startMs + 1000, b.segs[0]!.startMs);
  t.is(a.closed!.meta.stopReason, 'max-length');
});

test('recycled capture buffers: every segment reaches the clip intact while the vault lags behind', async (t) => {
  // The sim board's source reuses its buffers as the firmware's capture does; the vault here copies
  // each segment only 30 ms after it was handed over, while the source makes one every 5 ms.
  const s = setup({ prerecordSeconds: 3, maxClipSeconds: 4 }, 200, true, 30);
  t.teardown(() => s.source.stop());
  await s.source.start();
  await s.waitVideo(5000);
  await s.button.press(100);
  await s.waitVideo(10_000);
  await s.source.stop();
  await s.rec.close();
  t.true(s.clips.length >= 2, `clips ${s.clips.length} (rolled over, so a live first segment was held too)`);
  const seqs: number[] = [];
  for (const c of s.clips) {
    for (const g of c.segs) {
      // Each packet names its segment: SYNTH-<pid>-<seq>-<i>; all of a segment's video packets agree.
      const labels = new Set<string>();
      for (let o = 0; o < g.data.length; o += 188) {
        const m = /^SYNTH-256-(\d+)-/.exec(g.data.subarray(o + 4, o + 36).toString('latin1'));
        if (m) labels.add(m[1]!);
      }
      t.is(labels.size, 1, `segment at ${g.startMs}: packets of ${[...labels].join(', ')}`);
      seqs.push(Number([...labels][0]));
    }
  }
  // Consecutive, none repeated (a buffer reused too early would show a later segment twice).
  for (let i = 1; i < seqs.length; i++) t.is(seqs[i], seqs[i - 1]! + 1);
});
