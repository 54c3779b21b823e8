import test from 'ava';
import { SegmentBuffers } from '../../firmware/segment-buffers.js';
import { SyntheticSource } from '../../hardware-sim/synthetic-source.js';
import type { VideoSegment } from '../../shared/hal.js';

const seg = (data: Buffer): Omit<VideoSegment, 'retain'> => ({ seq: 0, startMs: 0, durationMs: 1000, keyframe: true, data, audioPids: [] });

test('a buffer is reused only once the emit and every retain are over', (t) => {
  const bufs = new SegmentBuffers(4);
  const a = bufs.take(1000);
  let release: (() => void) | undefined;
  bufs.emit(seg(a.subarray(0, 1000)), a, [(s) => void (release = s.retain!())]);
  // Still held: the next take must not hand it out.
  const b = bufs.take(1000);
  t.not(b, a);
  t.is(bufs.allocated, 2);
  release!();
  release!(); // counted once
  t.is(bufs.freeBuffers, 1);
  t.is(bufs.take(900), a);
  // Not retained: back at the end of the emit.
  bufs.emit(seg(b.subarray(0, 10)), b, [() => undefined, () => undefined]);
  t.is(bufs.take(10), b);
});

test('a listener that throws still lets the buffer come back', (t) => {
  const bufs = new SegmentBuffers(4);
  const a = bufs.take(100);
  t.throws(() => bufs.emit(seg(a), a, [() => { throw new Error('boom'); }]), { message: 'boom' });
  t.is(bufs.take(100), a);
});

test('the free list is bounded: beyond maxFree the smallest goes to the GC', (t) => {
  const bufs = new SegmentBuffers(2);
  const xs = [bufs.take(100_000), bufs.take(200_000), bufs.take(300_000)];
  for (const x of xs) bufs.emit(seg(x), x, []);
  t.is(bufs.freeBuffers, 2);
  t.is(bufs.allocated, 2);
  t.true(bufs.take(250_000).length >= 250_000);
});

test('synthetic source: the same bytes with recycled buffers as without', async (t) => {
  const collect = async (recycle: boolean) => {
    const src = new SyntheticSource({ bitrateKbps: 4000, gopMs: 20, recycle });
    const got: Buffer[] = [];
    await new Promise<void>((resolve) => {
      src.onSegment((s) => {
        got.push(Buffer.from(s.data)); // a copy: the recycled buffer is reused after this call
        if (got.length === 6) resolve();
      });
      void src.start();
    });
    await src.stop();
    return got.slice(0, 6);
  };
  const plain = await collect(false);
  const recycled = await collect(true);
  t.deepEqual(recycled, plain);
  t.is(plain[0]![0], 0x47);
});
