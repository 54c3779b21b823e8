// A serial line carried over a Unix socket, named `unix:/path/to.sock`: the simulator's stand-in for a
// socat pty pair where socat is not installed (hardware-sim/socket-line.ts relays the two ends). The
// link code sees the same Duplex as from a tty; only openSerialLine knows the difference.
import net from 'node:net';
import type { SerialLine } from './hal.js';

export const SOCKET_LINE_PREFIX = 'unix:';

export function isSocketLine(path: string): boolean {
  return path.startsWith(SOCKET_LINE_PREFIX);
}

export function openSocketLine(path: string, timeoutMs = 5000): Promise<SerialLine> {
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
