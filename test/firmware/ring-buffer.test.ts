import test from 'ava';
import { RingBuffer, stripPids } from '../../firmware/ring-buffer.js';
import type { VideoSegment } from '../../shared/hal.js';

function pkt(pid: number): Buffer {
  const b = Buffer.alloc(188, 0xff);
  b[0] = 0x47;
  b[1] = (pid >> 8) & 0x1f;
  b[2] = pid & 0xff;
  return b;
}
function seg(seq: number, keyframe: boolean, withAudio = true): VideoSegment {
  const parts = [pkt(0x100), pkt(0x100)];
  if (withAudio) parts.push(pkt(0x101));
  return { seq, startMs: seq * 500, durationMs: 500, keyframe, data: Buffer.concat(parts), audioPids: [0x101] };
}

test('bounded by seconds and oldest segment is always a keyframe', (t) => {
  const rb = new RingBuffer({ seconds: 5, maxBytes: 1e9, keepAudio: true });
  for (let i = 0; i < 100; i++) {
    rb.push(seg(i, i % 4 === 0));
    t.true(rb.spanMs() <= 5000 + 2000, `span ${rb.spanMs()}`);
  }
  const out = rb.drain();
  t.true(out[0]!.keyframe);
  t.true(out.length >= 6 && out.length <= 10);
  t.is(out[out.length - 1]!.seq, 99);
  t.is(rb.length, 0);
});

test('bounded by bytes, evicting whole GOPs', (t) => {
  const rb = new RingBuffer({ seconds: 120, maxBytes: 188 * 3 * 8, keepAudio: true });
  for (let i = 0; i < 50; i++) rb.push(seg(i, i % 2 === 0));
  t.true(rb.byteLength() <= 188 * 3 * 8);
  const out = rb.drain();
  t.true(out[0]!.keyframe);
});

test('does not start on a non-keyframe', (t) => {
  const rb = new RingBuffer({ seconds: 10, maxBytes: 1e9, keepAudio: true });
  rb.push(seg(0, false));
  t.is(rb.length, 0);
  rb.push(seg(1, true));
  t.is(rb.length, 1);
});

test('audio stripped when policy is off, kept when on', (t) => {
  const off = new RingBuffer({ seconds: 10, maxBytes: 1e9, keepAudio: false });
  off.push(seg(0, true));
  const [a] = off.drain();
  t.is(a!.data.length, 188 * 2);
  t.deepEqual(a!.audioPids, []);
  const on = new RingBuffer({ seconds: 10, maxBytes: 1e9, keepAudio: true });
  on.push(seg(0, true));
  t.is(on.drain()[0]!.data.length, 188 * 3);
  t.is(stripPids(Buffer.concat([pkt(5), pkt(7)]), [7]).length, 188);
});

test('zero seconds disables pre-record; out-of-range rejected', (t) => {
  const rb = new RingBuffer({ seconds: 0, maxBytes: 1e9, keepAudio: false });
  rb.push(seg(0, true));
  t.is(rb.length, 0);
  t.throws(() => new RingBuffer({ seconds: 121, maxBytes: 1, keepAudio: false }), { message: /seconds/ });
});
