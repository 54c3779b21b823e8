// Serial line helpers for tests and the simulator: a real pseudo-terminal pair made by socat, an
// in-memory duplex pair, and two @serialport/binding-mock ports cross-connected.
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { SerialPortMock } from 'serialport';
import type { SerialLine } from '../shared/hal.js';

export interface PtyPair {
  a: string;
  b: string;
  socat: ChildProcess;
  stop(): Promise<void>;
}

/** `socat -d -d pty,raw,echo=0 pty,raw,echo=0`; the two /dev/pts paths are parsed from its stderr. */
export function startPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (socat.exitCode !== null || socat.signalCode !== null) return resolve();
      socat.once('exit', () => resolve());
      socat.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const paths: string[] = [];
    let text = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`socat did not report two ptys within ${timeoutMs} ms: ${text.slice(-300)}`));
    }, timeoutMs);
    socat.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`socat: ${err.message} (is socat installed?)`));
    });
    socat.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      for (const m of text.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) if (!paths.includes(m[1]!)) paths.push(m[1]!);
      if (paths.length === 2 && /starting data transfer loop/.test(text)) {
        clearTimeout(timer);
        socat.stderr!.removeAllListeners('data');
        socat.stderr!.resume();
        resolve({ a: paths[0]!, b: paths[1]!, socat, stop });
      }
    });
  });
}

/** Two connected in-memory duplexes (what one writes, the other reads). */
export function duplexPair(): [Duplex, Duplex] {
  let a!: Duplex, b!: Duplex;
  const mk = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  a = mk(() => b);
  b = mk(() => a);
  return [a, b];
}

function asLine(stream: SerialPortStream, path: string): SerialLine {
  const line = stream as unknown as SerialLine & { path: string };
  Object.defineProperty(line, 'closeLine', {
    value: () => new Promise<void>((resolve) => (stream.isOpen ? stream.close(() => resolve()) : resolve())),
  });
  return line;
}

type SerialPortStream = SerialPortMock;
const MockBinding = SerialPortMock.binding;

async function openMock(path: string): Promise<SerialPortStream> {
  const s = new SerialPortMock({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => s.open((err) => (err ? reject(err) : resolve())));
  return s;
}

let mockCounter = 0;
/** Two binding-mock ports, each one's writes delivered as the other's reads. */
export async function openMockPair(): Promise<[SerialLine, SerialLine]> {
  const n = ++mockCounter;
  const pa = `/dev/mock-dock-${process.pid}-${n}`, pb = `/dev/mock-cam-${process.pid}-${n}`;
  MockBinding.createPort(pa, { echo: false, record: false, maxReadSize: 65536 });
  MockBinding.createPort(pb, { echo: false, record: false, maxReadSize: 65536 });
  const [a, b] = await Promise.all([openMock(pa), openMock(pb)]);
  const cross = (from: SerialPortStream, to: SerialPortStream) => {
    const port = from.port as unknown as { write(buf: Buffer): Promise<void> };
    const orig = port.write.bind(port);
    port.write = async (buf: Buffer) => {
      await orig(buf);
      const peer = to.port as unknown as { emitData(d: Buffer): void; isOpen: boolean } | undefined;
      if (peer?.isOpen) peer.emitData(Buffer.from(buf));
    };
  };
  cross(a, b);
  cross(b, a);
  return [asLine(a, pa), asLine(b, pb)];
}
