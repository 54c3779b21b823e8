// A process that barely runs (a loaded machine) sees its request timers expire while its own last copy
// is still in its write buffer, and answers to repeats queue behind answers not yet sent. Resending
// then only stacks copies: under load the dock's buffer held 1.5 MB of stale requests and every new
// request waited behind them (test/wire/serial-line failed with 'READ timed out after retries').
// Lines here hold their write callbacks, as a tty whose kernel buffer is full does.
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Duplex } from 'node:stream';
import { duplexPair } from '../../hardware-sim/serial.js';
import { FLAG_RESPONSE, type Frame } from '../../shared/wire/frame.js';
import { FrameLink, RpcClient, RpcServer } from '../../shared/wire/link.js';
import { MsgType, decodeJson, encodeJson } from '../../shared/wire/messages.js';
import { pullToFile } from '../../shared/wire/transfer.js';
import type { ClipSummary } from '../../shared/evidence.js';

/** In front of `inner`: every write is counted and its callback held until release(). */
class HeldLine extends Duplex {
  writes = 0;
  private held: (() => void)[] = [];
  private holding = true;
  constructor(readonly inner: Duplex) {
    super();
    inner.on('data', (d: Buffer) => this.push(d));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.writes++;
    this.inner.write(chunk);
    if (this.holding) this.held.push(cb);
    else cb();
  }
  release(): void {
    this.holding = false;
    for (const cb of this.held.splice(0)) cb();
  }
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
};

test('a request timer that expires while the last copy has not left writes no second copy', async (t) => {
  const [dockEnd, camEnd] = duplexPair();
  const held = new HeldLine(dockEnd);
  const rpc = new RpcClient(new FrameLink(held), { timeoutMs: 5, retries: 1000 });
  let shrinks = 0;
  rpc.onRetry = () => shrinks++;
  const cam = new FrameLink(camEnd);
  const seen: number[] = [];
  cam.on('frame', (f: Frame) => seen.push(f.seq));
  const answer = rpc.request(MsgType.LIST_CLIPS, encodeJson({}));
  await until(() => rpc.stats.timeouts >= 3);
  held.release();
  await until(() => seen.length > 0);
  void cam.send(MsgType.LIST_CLIPS, FLAG_RESPONSE, seen[0]!, encodeJson({ clips: [] }));
  t.deepEqual(decodeJson(await answer, 'answer'), { clips: [] });
  t.is(held.writes, 1, 'one copy while the first had not left');
  t.is(seen.length, 1);
  t.is(shrinks, 0, 'nothing was lost on the line: the READ size stays');
  cam.detach();
  rpc.link.detach();
});

test('the budget still bounds a request the line never takes', async (t) => {
  const [dockEnd] = duplexPair();
  const held = new HeldLine(dockEnd);
  const rpc = new RpcClient(new FrameLink(held), { timeoutMs: 5, retries: 3 });
  await t.throwsAsync(rpc.request(MsgType.LIST_CLIPS, encodeJson({})), { message: 'LIST_CLIPS timed out after retries' });
  t.is(held.writes, 1);
  rpc.link.detach();
});

test('a repeated request whose answer has not left yet is not executed again', async (t) => {
  const [dockEnd, camEnd] = duplexPair();
  const held = new HeldLine(camEnd);
  const camLink = new FrameLink(held);
  let calls = 0;
  const server = new RpcServer(camLink, async () => { calls++; return encodeJson({ clips: [] }); }, () => false);
  const dock = new FrameLink(dockEnd);
  const answers: number[] = [];
  dock.on('frame', (f: Frame) => answers.push(f.seq));
  let framesAtCamera = 0;
  camLink.on('frame', () => framesAtCamera++);
  await dock.send(MsgType.LIST_CLIPS, 0, 9, encodeJson({}));
  await until(() => calls === 1 && held.writes === 1); // answered; the answer is still in the write buffer
  await dock.send(MsgType.LIST_CLIPS, 0, 9, encodeJson({})); // the requester's retransmit
  await until(() => framesAtCamera === 2);
  held.release();
  await until(() => server.queueLength() === 0 && answers.length >= 1);
  await new Promise((r) => setImmediate(r));
  t.is(calls, 1);
  t.deepEqual(answers, [9]);
  // Once the answer has left, a repeat is executed again (it may have been lost on the line).
  await dock.send(MsgType.LIST_CLIPS, 0, 9, encodeJson({}));
  await until(() => answers.length === 2);
  t.is(calls, 2);
  dock.detach();
  camLink.detach();
});

test('the pieces of a READ that exhausted its retransmits keep to the window', async (t) => {
  const [dockEnd, camEnd] = duplexPair();
  const rpc = new RpcClient(new FrameLink(dockEnd), { timeoutMs: 5, retries: 8 });
  const data = Buffer.alloc(8192, 7);
  const cam = new FrameLink(camEnd);
  let dropSeq: number | undefined;
  cam.on('frame', (f: Frame) => {
    const { offset, length } = decodeJson<{ offset: number; length: number }>(f.payload, 'READ');
    if (offset === 0 && length === 4096) dropSeq ??= f.seq;
    if (f.seq === dropSeq) return; // this READ never gets through
    void cam.send(f.type, FLAG_RESPONSE, f.seq, data.subarray(offset, offset + length));
  });
  let now = 0;
  let most = 0;
  const request = rpc.request.bind(rpc);
  rpc.request = async (...a: Parameters<RpcClient['request']>) => {
    most = Math.max(most, ++now);
    try {
      return await request(...a);
    } finally {
      now--;
    }
  };
  const dir = mkdtempSync(join(tmpdir(), 'window-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clip = { clipId: 'c', deviceId: 'cam', bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') } as ClipSummary;
  await pullToFile(rpc, clip, join(dir, 'c'), { window: 2, chunkBytes: 4096, minChunkBytes: 512, readRetries: 2 });
  t.true(readFileSync(join(dir, 'c')).equals(data));
  t.true(most <= 2, `at most 2 READs outstanding, saw ${most}`);
  cam.detach();
  rpc.link.detach();
});
