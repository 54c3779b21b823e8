// The tty of the one camera on USB, for the technician tools that talk to a camera directly.
import { UsbWatch } from '../dock-agent/usb-watch.js';

/** `usb` is VID:PID in hex; `badUsage` builds the error for a malformed value (each tool has its own usage error). */
export async function findCameraPort(usb: string, badUsage: (message: string) => Error = (m) => new Error(m)): Promise<string> {
  const m = /^([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(usb);
  if (!m) throw badUsage('--usb: expected VID:PID in hex, e.g. 1d6b:0104');
  const w = new UsbWatch({ vendorId: Number.parseInt(m[1]!, 16), productId: Number.parseInt(m[2]!, 16) });
  const found = await w.start();
  await w.stop();
  if (found.length === 0) throw new Error(`no camera found over USB (${usb}); connect one or give --port`);
  if (found.length > 1) throw new Error(`${found.length} cameras found (${found.map((d) => d.ttyPath).join(', ')}); choose one with --port`);
  return found[0]!.ttyPath;
}
