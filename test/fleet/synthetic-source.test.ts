// The synthetic camera source writes the same TS-shaped bytes however it builds them: every packet's
// header, its `SYNTH-pid-seq-i` label padded with '.', and its filler (byte m of packet i of segment
// seq = (m * 31 + i * 188 * 31 + seq * 7 + i) & 0xff), checked here byte by byte from that definition.
import test from 'ava';
import { packetsForTest } from '../../hardware-sim/synthetic-source.js';

function expected(pid: number, count: number, seq: number): Buffer {
  const b = Buffer.alloc(count * 188);
  for (let i = 0; i < count; i++) {
    const o = i * 188;
    b[o] = 0x47; b[o + 1] = (pid >> 8) & 0x1f; b[o + 2] = pid & 0xff; b[o + 3] = 0x10 | (i & 0x0f);
    b.write(`SYNTH-${pid}-${seq}-${i}`.padEnd(32, '.').slice(0, 32), o + 4, 'latin1');
    for (let m = 36; m < 188; m++) b[o + m] = (m * 31 + i * 188 * 31 + seq * 7 + i) & 0xff;
  }
  return b;
}

test('packets: header, label and filler of every packet as defined, across runs of 256 and any seq', (t) => {
  for (const [pid, count, seq] of [[0x100, 1, 0], [0x101, 2, 1], [0x100, 255, 7], [0x100, 256, 36], [0x101, 257, 255], [0x100, 1500, 123_456_789], [0x101, 3000, 2_000_000_001]] as const) {
    const got = Buffer.alloc(5 + count * 188 + 5, 0xee);
    packetsForTest(got, 5, pid, count, seq);
    t.true(got.subarray(5, 5 + count * 188).equals(expected(pid, count, seq)), `pid ${pid} count ${count} seq ${seq}`);
    t.true(got.subarray(0, 5).equals(Buffer.alloc(5, 0xee)) && got.subarray(5 + count * 188).equals(Buffer.alloc(5, 0xee)), 'nothing written outside');
  }
});
