// A serial line pair without socat: two Unix sockets in a private directory, relayed by this process
// (the fleet runner), opened as `unix:<path>` by shared/serial-port.ts. Like a tty, each end has one
// opener at a time (a reopen after a crash replaces it); bytes sent while the other end is closed wait
// in a tty-sized buffer and the rest are dropped, as a line with nobody listening drops them.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SOCKET_LINE_PREFIX } from '../shared/socket-line.js';

export interface LinePair {
  /** Dock end and camera end, as paths for openSerialLine. */
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
