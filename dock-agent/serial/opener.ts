// Real serial opener: the camera's CDC-ACM tty (or a pty in tests) through serialport.
import { SerialPort } from 'serialport';
import type { SerialLine, SerialOpener } from '../../shared/hal.js';

export async function openSerialLine(path: string, baudRate = 115200): Promise<SerialLine> {
  // Baud rate is nominal on CDC-ACM and ptys: the link runs at USB / memory speed.
  const port = new SerialPort({ path, baudRate, autoOpen: false, highWaterMark: 256 * 1024 });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`open ${path}: ${err.message}`)) : resolve())));
  Object.defineProperty(port, 'closeLine', {
    value: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  });
  return port as unknown as SerialLine;
}

export const serialportOpener: SerialOpener = { open: openSerialLine };
