// A serial line pair without socat: two Unix sockets in a private directory, relayed by this process
// (the fleet runner), named `unix:<path>` and opened by simLineOpener, which the simulator injects
// where the programs' entries inject the real serial driver. Like a tty, each end has one opener at a
// time (a reopen after a crash replaces it); bytes sent while the other end is closed wait in a
// tty-sized buffer and the rest are dropped, as a line with nobody listening drops them.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SerialLine, SerialOpener } from '../shared/hal.js';
import { openSerialLine } from '../shared/serial-port.js';

const SOCKET_LINE_PREFIX = 'unix:';

export interface LinePair {
  /** Dock end and camera end, as paths for simLineOpener. */
  a: string;
  b: string;
  stop(): Promise<void>;
}

const TTY_BUFFER = 4096;

export async function startSocketLinePair(): Promise<LinePair> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'line-'));
  const ends = [0, 1].map((i) => ({
    file: path.join(dir, i === 0 ? 'a.sock' : 'b.sock'),
    server: net.createServer(),
    sock: undefined as net.Socket | undefined,
    waiting: [] as Buffer[],
    waitingBytes: 0,
  }));
  const deliver = (to: (typeof ends)[number], from: net.Socket, d: Buffer) => {
    const out = to.sock;
    if (out && !out.destroyed) {
      if (!out.write(d)) {
        from.pause();
        const resume = () => { out.off('drain', resume); out.off('close', resume); from.resume(); };
        out.on('drain', resume);
        out.on('close', resume);
      }
      return;
    }
    const room = TTY_BUFFER - to.waitingBytes;
    if (room <= 0) return;
    to.waiting.push(d.subarray(0, room));
    to.waitingBytes += Math.min(room, d.length);
  };
  ends.forEach((end, i) => {
    const peer = ends[1 - i]!;
    end.server.on('connection', (sock) => {
      end.sock?.destroy();
      end.sock = sock;
      sock.on('error', () => undefined);
      sock.on('close', () => { if (end.sock === sock) end.sock = undefined; });
      sock.on('data', (d: Buffer) => deliver(peer, sock, d));
      for (const d of end.waiting.splice(0)) sock.write(d);
      end.waitingBytes = 0;
    });
  });
  await Promise.all(ends.map((e) => new Promise<void>((resolve, reject) => {
    e.server.once('error', reject);
    e.server.listen(e.file, () => resolve());
  })));
  return {
    a: SOCKET_LINE_PREFIX + ends[0]!.file,
    b: SOCKET_LINE_PREFIX + ends[1]!.file,
    async stop() {
      for (const e of ends) e.sock?.destroy();
      await Promise.all(ends.map((e) => new Promise<void>((resolve) => e.server.close(() => resolve()))));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function isSocketLine(path: string): boolean {
  return path.startsWith(SOCKET_LINE_PREFIX);
}

function openSocketLine(path: string, timeoutMs = 5000): Promise<SerialLine> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path.slice(SOCKET_LINE_PREFIX.length));
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`open ${path}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
    sock.once('error', (err) => { clearTimeout(timer); reject(new Error(`open ${path}: ${err.message}`)); });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.on('error', () => undefined); // the peer vanishing reads as 'close', as a tty hang-up does
      Object.defineProperty(sock, 'path', { value: path });
      Object.defineProperty(sock, 'closeLine', {
        value: () => new Promise<void>((done) => {
          if (sock.destroyed) return done();
          sock.once('close', () => done());
          sock.destroy();
        }),
      });
      resolve(sock as unknown as SerialLine);
    });
  });
}

/** A `unix:` socket line (startSocketLinePair), or a tty or pty through the real driver. */
export const simLineOpener: SerialOpener = {
  open: (linePath, baudRate) => (isSocketLine(linePath) ? openSocketLine(linePath) : openSerialLine(linePath, baudRate)),
};
