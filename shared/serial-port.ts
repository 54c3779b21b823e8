// Real serial driver (serialport) for both ends: the dock opens the camera's CDC-ACM tty, the camera
// its USB gadget tty (/dev/ttyGS0); ptys in tests. The programs' entries pass serialportOpener to the
// code that opens lines; the simulator passes its own (hardware-sim/socket-line.ts).
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

export async function openSerialLine(path: string, baudRate = 115200): Promise<SerialLine> {
  // Baud rate is nominal on CDC-ACM and ptys: the link runs at USB / memory speed.
  const port = new SerialPort({ path, baudRate, autoOpen: false, highWaterMark: 256 * 1024 });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`open ${path}: ${err.message}`)) : resolve())));
  patchPoller(port);
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
