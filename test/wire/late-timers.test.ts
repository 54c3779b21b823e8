// A loaded machine stops this process for a while; the peer's bytes wait in the line's buffer and are
// read a loop turn after the timers run. Those late timers must not take the line for silent: a dock
// under load dropped whole 64 KiB READ answers (receive deadline) and resent requests whose answers
// were already there (request timeout), which made test/dock/serial-e2e slow enough to fail in full runs.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { duplexPair } from '../../hardware-sim/serial.js';
import { FLAG_RESPONSE, FrameDecoder, encodeFrame, type Frame } from '../../shared/wire/frame.js';
import { FrameLink, RpcClient } from '../../shared/wire/link.js';
import { MsgType } from '../../shared/wire/messages.js';

test.serial('receive deadline: a check that runs late because this process stalled keeps the partial frame; the waiting bytes complete it', async (t) => {
  // The decoder's clock jumps 1 s between its last check and the next one (the process did not run);
  // the rest of the frame is read one loop turn after that check, as a serial read would be.
  let offset = 0;
  let onNextCheck: (() => void) | undefined;
  const now = () => {
    const f = onNextCheck;
    onNextCheck = undefined;
    f?.();
    return Date.now() + offset;
  };
  const dec = new FrameDecoder({ idleMs: 100, now });
  const seqs: number[] = [];
  dec.on('data', (f: Frame) => seqs.push(f.seq));
  const frame = encodeFrame(0x11, FLAG_RESPONSE, 5, randomBytes(1000));
  dec.write(frame.subarray(0, 500));
  offset += 1000;
  const alive = setTimeout(() => undefined, 10_000); // the decoder's timer does not hold the process open
  await new Promise<void>((resolve) => {
    onNextCheck = () => setImmediate(() => {
      dec.write(frame.subarray(500));
      resolve();
    });
  });
  clearTimeout(alive);
  t.deepEqual(seqs, [5]);
  t.is(dec.stats.timeouts, 0);
  dec.destroy();
});

test.serial('receive deadline: after a late check the next one decides, so a silent line still drops the partial frame', async (t) => {
  let offset = 0;
  const dec = new FrameDecoder({ idleMs: 100, now: () => Date.now() + offset });
  dec.write(encodeFrame(0x11, FLAG_RESPONSE, 6, randomBytes(1000)).subarray(0, 500));
  offset += 1000; // the process stalled, and nothing more comes
  const end = Date.now() + 10_000;
  while (dec.stats.timeouts === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  t.is(dec.stats.timeouts, 1);
  t.is(dec.bufferedBytes(), 0);
  dec.destroy();
});

test.serial('request timeout: a timer that fires late because this process stalled takes the answer waiting on the line instead of resending', async (t) => {
  const [dockEnd, camEnd] = duplexPair();
  const rpc = new RpcClient(new FrameLink(dockEnd), { timeoutMs: 50, retries: 3 });
  const cam = new FrameLink(camEnd);
  const requests: number[] = [];
  cam.on('frame', (f: Frame) => {
    requests.push(f.seq);
    if (requests.length > 1) return;
    // Due before the request's timer: the process then stops for 300 ms, and the answer is written
    // a loop turn after the (late) timer ran.
    setTimeout(() => {
      const until = Date.now() + 300;
      while (Date.now() < until);
      setImmediate(() => setImmediate(() => void cam.send(f.type, FLAG_RESPONSE, f.seq, Buffer.from('{"ok":true}'))));
    }, 1);
  });
  const answer = await rpc.request(MsgType.LIST_CLIPS, Buffer.from('{}'));
  t.is(answer.toString(), '{"ok":true}');
  t.is(rpc.stats.retransmits, 0);
  t.is(requests.length, 1);
  cam.detach();
  rpc.link.detach();
});
