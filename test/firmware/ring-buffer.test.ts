import test from 'ava';
import { RingBuffer, stripPids } from '../../firmware/ring-buffer.js';
import type { VideoSegment } from '../../shared/hal.js';
import type { BufferedSegment } from '../../firmware/ring-buffer.js';

/** A drained segment's bytes (copied), then its blocks back to the pool, as the vault does. */
function bytes(s: BufferedSegment): Buffer {
  const b = Buffer.concat(s.data);
  t_len(b, s.length);
  s.release();
  return b;
}
function t_len(b: Buffer, n: number): void {
  if (b.length !== n) throw new Error(`views hold ${b.length} bytes, segment says ${n}`);
}

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
  t.is(bytes(a!).length, 188 * 2);
  t.deepEqual(a!.audioPids, []);
  const on = new RingBuffer({ seconds: 10, maxBytes: 1e9, keepAudio: true });
  on.push(seg(0, true));
  t.is(bytes(on.drain()[0]!).length, 188 * 3);
  t.is(stripPids(Buffer.concat([pkt(5), pkt(7)]), [7]).length, 188);
});

test('zero seconds disables pre-record; out-of-range rejected', (t) => {
  const rb = new RingBuffer({ seconds: 0, maxBytes: 1e9, keepAudio: false });
  rb.push(seg(0, true));
  t.is(rb.length, 0);
  t.throws(() => new RingBuffer({ seconds: 121, maxBytes: 1, keepAudio: false }), { message: /seconds/ });
});

function bigSeg(seq: number, bytes: number, keyframe = true, durationMs = 1000): VideoSegment {
  const data = Buffer.alloc(bytes);
  for (let o = 0; o + 188 <= bytes; o += 188) {
    data[o] = 0x47;
    const pid = (o / 188) % 10 === 9 ? 0x101 : 0x100; // one packet in ten is audio
    data[o + 1] = pid >> 8;
    data[o + 2] = pid & 0xff;
    data.fill((seq * 7 + o / 188) & 0xff, o + 3, o + 188);
  }
  return { seq, startMs: seq * durationMs, durationMs, keyframe, data, audioPids: [0x101] };
}

test('segment bytes come back exactly (audio stripped by whole packets), across block boundaries', (t) => {
  const rb = new RingBuffer({ seconds: 10, maxBytes: 1e9, keepAudio: false });
  const inputs = [0, 1, 2].map((i) => bigSeg(i, 188 * (700 + i * 333)));
  for (const s of inputs) rb.push(s);
  const out = rb.drain();
  t.is(out.length, 3);
  for (let i = 0; i < 3; i++) {
    t.is(out[i]!.seq, i);
    t.deepEqual(bytes(out[i]!), stripPids(inputs[i]!.data, [0x101]));
  }
});

test('evicted blocks are reused: the pool stays at one buffer of blocks over many turnovers', (t) => {
  const rb = new RingBuffer({ seconds: 20, maxBytes: 1e9, keepAudio: true });
  const size = 188 * 5000; // ~0.9 MiB segments, 1 s each
  for (let i = 0; i < 20; i++) rb.push(bigSeg(i, size));
  const full = rb.poolBytes();
  t.true(full >= rb.byteLength());
  for (let i = 20; i < 20 * 30; i++) rb.push(bigSeg(i, size));
  // 30 turnovers later the pool holds the same blocks (evict-before-copy reuses them at once).
  t.is(rb.poolBytes(), full);
  t.true(full <= rb.byteLength() * 1.1, `pool ${full} for payload ${rb.byteLength()}`);
  // Pre-record exact by timestamps: exactly 20 s of segments, newest last.
  const out = rb.drain();
  t.is(out.length, 20);
  t.is(out[0]!.startMs, (20 * 30 - 20) * 1000);
  t.deepEqual(bytes(out[19]!), bigSeg(20 * 30 - 1, size).data);
});

test('same segments kept as push-then-evict by timestamps (uneven durations and GOPs)', (t) => {
  const rb = new RingBuffer({ seconds: 10, maxBytes: 1e9, keepAudio: true });
  // Reference: the plain rule (push, then drop whole GOPs from the front while the span is over 10 s).
  let ref: { seq: number; startMs: number; durationMs: number; keyframe: boolean }[] = [];
  let start = 0;
  for (let i = 0; i < 300; i++) {
    const dur = 200 + ((i * 37) % 5) * 100;
    const s = { ...bigSeg(i, 188 * 3, i % 3 === 0 || i % 7 === 0), startMs: start, durationMs: dur };
    start += dur;
    rb.push(s);
    if (ref.length > 0 || s.keyframe) ref.push(s);
    const span = () => ref[ref.length - 1]!.startMs + ref[ref.length - 1]!.durationMs - ref[0]!.startMs;
    while (ref.length > 1 && span() > 10_000) {
      let n = 1;
      while (n < ref.length && !ref[n]!.keyframe) n++;
      if (n >= ref.length) break;
      ref = ref.slice(n);
    }
    t.is(rb.length, ref.length, `at ${i}`);
    t.is(rb.spanMs(), span());
  }
  const out = rb.drain();
  t.deepEqual(out.map((s) => s.seq), ref.map((s) => s.seq));
  t.true(out[0]!.keyframe);
});

test('drained blocks come back on release: press after press, the pool does not grow', (t) => {
  const rb = new RingBuffer({ seconds: 10, maxBytes: 1e9, keepAudio: true });
  const size = 188 * 3000;
  let seq = 0;
  for (; seq < 10; seq++) rb.push(bigSeg(seq, size));
  const full = rb.poolBytes();
  for (let press = 0; press < 5; press++) {
    const out = rb.drain();
    t.is(out.length, 10);
    // The views are the pushed bytes, block by block.
    t.deepEqual(Buffer.concat(out[9]!.data), bigSeg(seq - 1, size).data);
    for (const s of out) s.release();
    s_release_twice(out[0]!);
    for (const end = seq + 10; seq < end; seq++) rb.push(bigSeg(seq, size));
    t.is(rb.poolBytes(), full);
  }
});

/** A second release is harmless (the recorder's finally may release a segment already given back). */
function s_release_twice(s: BufferedSegment): void {
  s.release();
}
