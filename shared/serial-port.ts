// Real serial driver (serialport) for both ends: the dock opens the camera's CDC-ACM tty, the camera
// its USB gadget tty (/dev/ttyGS0); ptys in tests. The programs' entries pass serialportOpener to the
// code that opens lines; the simulator passes its own (hardware-sim/socket-line.ts).
import { closeSync, constants, openSync } from 'node:fs';
import { ReadStream, isatty } from 'node:tty';
import { SerialPort } from 'serialport';
import type { SerialLine, SerialOpener } from './hal.js';

const UV_READABLE = 1;
const UV_WRITABLE = 2;

/**
 * @serialport/bindings-cpp's native Poller.poll() calls uv_poll_start with only the event just asked
 * for, so a write that hits EAGAIN while a read is waiting replaces the read's poll: the read then
 * never wakes and the link stalls under full-duplex load. Asking for the union of every event still
 * awaited keeps both alive.
 */
function patchPoller(port: SerialPort): void {
  const poller = (port.port as unknown as { poller?: { poll(flag?: number): void; listenerCount(e: string): number; __unionPatched?: boolean } } | undefined)?.poller;
  if (!poller || poller.__unionPatched) return;
  const poll = poller.poll.bind(poller);
  poller.poll = (flag = 0) => {
    if (poller.listenerCount('readable') > 0) flag |= UV_READABLE;
    if (poller.listenerCount('writable') > 0) flag |= UV_WRITABLE;
    poll(flag);
  };
  poller.__unionPatched = true;
}

/** Unsent bytes above which write() asks the writer to wait for 'drain' (as serialport's stream did). */
const WRITE_HIGH_WATER = 256 * 1024;

async function openPort(path: string, baudRate: number): Promise<SerialPort> {
  // Baud rate is nominal on CDC-ACM and ptys: the link runs at USB / memory speed.
  const port = new SerialPort({ path, baudRate, autoOpen: false, highWaterMark: WRITE_HIGH_WATER });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`open ${path}: ${err.message}`)) : resolve())));
  patchPoller(port);
  return port;
}

/**
 * A tty's bytes move through a libuv tty stream on a descriptor of our own (epoll; read and written in
 * the event loop), not through serialport's stream: that one makes a thread-pool fs.read, a promise and
 * a poller round trip per read, and a tty hands out at most 4 KiB per read (the line discipline's
 * buffer). On a socat pty pair between two processes serialport's stream moved 20-24 MB/s at 1.1 CPU s
 * per 32 MiB received; the tty stream 39-44 MB/s at 0.7 (ZMODEM in C: ~41). serialport still opens the
 * port, after our descriptor (its exclusive lock would refuse our open): it sets the termios (raw, 8N1,
 * no flow control, the baud rate) and keeps the lock and the settings until the line closes.
 */
export async function openSerialLine(path: string, baudRate = 115200): Promise<SerialLine> {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  if (!isatty(fd)) {
    closeSync(fd);
    return serialportLine(path, await openPort(path, baudRate));
  }
  let stream: ReadStream;
  try {
    // One handle reads and writes (a second one on the same tty would reopen it under the first).
    stream = new ReadStream(fd, { writable: true, writableHighWaterMark: WRITE_HIGH_WATER } as ConstructorParameters<typeof ReadStream>[1]);
  } catch (err) {
    closeSync(fd);
    throw new Error(`open ${path}: ${(err as Error).message}`);
  }
  // libuv reopens a pty slave or device tty by its name and reads the new descriptor (dup'ed over ours):
  // ours would stay open after the line closes.
  const handleFd = (stream as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof handleFd === 'number' && handleFd >= 0 && handleFd !== fd) closeSync(fd);
  let port: SerialPort;
  try {
    port = await openPort(path, baudRate);
  } catch (err) {
    stream.destroy();
    throw err;
  }
  // A hang-up (the peer or the USB device gone) reads as EIO: it ends the line with 'close', as before.
  stream.on('error', () => undefined);
  // One close for both callers ('close' of the stream, closeLine): a second port.close() while the first
  // runs answers "not open" at once, and the caller would go on while the port (and its lock) still is.
  let portClosed: Promise<void> | undefined;
  const closePort = () => (portClosed ??= new Promise<void>((resolve) => {
    if (!port.isOpen) return resolve();
    port.on('error', () => {});
    port.close(() => resolve());
  }));
  stream.once('close', () => void closePort());
  Object.defineProperty(stream, 'path', { value: path });
  Object.defineProperty(stream, 'closeLine', {
    value: async () => {
      if (!stream.destroyed) await new Promise<void>((resolve) => { stream.once('close', () => resolve()); stream.destroy(); });
      await closePort();
    },
  });
  return stream as unknown as SerialLine;
}

/** serialport's own stream, for a path that is not a tty. */
function serialportLine(path: string, port: SerialPort): SerialLine {
  Object.defineProperty(port, 'closeLine', {
    value: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        // Closing cancels pending reads and writes ("Canceled", or "Port is not open" for a write that
        // was waiting for room): after a deliberate close their errors are expected, not faults.
        port.on('error', () => {});
        port.close(() => resolve());
      }),
  });
  return port as unknown as SerialLine;
}

export const serialportOpener: SerialOpener = { open: openSerialLine };
