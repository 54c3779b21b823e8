// Real USB hotplug for the dock (UsbHotplug from shared/hal.ts) with the `usb` package, filtered by the
// camera's vendor/product id. A camera's CDC-ACM tty is found through sysfs: every
// /sys/class/tty/ttyACM<n>/device links to the USB interface directory ".../<bus>-<port.path>:<cfg>.<if>",
// whose parent directory name "<bus>-<port.path>" (e.g. 1-1.3) is the USB device. The bay is the last
// port number on that path minus one, unless a bay map (sysfs name -> bay) is configured.
import { readdirSync, realpathSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DockedDevice, UsbHotplug, Unsubscribe } from '../shared/hal.js';

export interface UsbWatchOptions {
  vendorId: number;
  productId: number;
  /** Fixed bay numbers by USB device sysfs name (e.g. { '1-1.3': 2 }). */
  bays?: Record<string, number>;
  /** For tests: where sysfs and /dev are. */
  sysRoot?: string;
  devRoot?: string;
  /** How long to wait for the cdc_acm driver to create the tty after attach. */
  ttyWaitMs?: number;
}

interface UsbLike {
  vendorId: number;
  productId: number;
  bus: string;
  ports: number[];
  serialNumber: string | null;
}

/** sysfs name of a USB device: "<bus>-<port>.<port>..." (the `usb` package may already give it). */
export function usbSysName(bus: string, ports: number[]): string {
  if (bus.includes('-')) return bus;
  return `${Number.parseInt(bus, 10)}-${ports.join('.')}`;
}

/** Find /dev/ttyACM<n> whose sysfs device sits under the USB device `sysName`; undefined if none yet. */
export function findTtyFor(sysName: string, sysRoot = '/sys', devRoot = '/dev'): string | undefined {
  let ttys: string[];
  try {
    ttys = readdirSync(join(sysRoot, 'class', 'tty')).filter((n) => /^ttyACM\d+$/.test(n)).sort();
  } catch {
    return undefined;
  }
  for (const tty of ttys) {
    try {
      const iface = realpathSync(join(sysRoot, 'class', 'tty', tty, 'device'));
      if (basename(dirname(iface)) === sysName) return join(devRoot, tty);
    } catch {
      // tty vanished between readdir and realpath
    }
  }
  return undefined;
}

function serialFromSysfs(sysName: string, sysRoot: string): string | undefined {
  try {
    return readFileSync(join(sysRoot, 'bus', 'usb', 'devices', sysName, 'serial'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class UsbWatch implements UsbHotplug {
  private readonly attach = new Set<(d: DockedDevice) => void>();
  private readonly detach = new Set<(d: DockedDevice) => void>();
  private readonly present = new Map<string, DockedDevice>();
  private usb?: { addEventListener(t: string, l: (ev: { device: UsbLike }) => void): void; removeEventListener(t: string, l: (ev: { device: UsbLike }) => void): void; getDevices(): Promise<UsbLike[]> };
  private readonly onConnect = (ev: { device: UsbLike }) => void this.add(ev.device).then((d) => d && this.emit(this.attach, d));
  private readonly onDisconnect = (ev: { device: UsbLike }) => {
    const name = usbSysName(ev.device.bus, ev.device.ports);
    const d = this.present.get(name);
    if (!d) return;
    this.present.delete(name);
    this.emit(this.detach, d);
  };

  constructor(private readonly opts: UsbWatchOptions) {}

  onAttach(listener: (device: DockedDevice) => void): Unsubscribe {
    this.attach.add(listener);
    return () => this.attach.delete(listener);
  }
  onDetach(listener: (device: DockedDevice) => void): Unsubscribe {
    this.detach.add(listener);
    return () => this.detach.delete(listener);
  }

  private emit(set: Set<(d: DockedDevice) => void>, d: DockedDevice): void {
    for (const l of set) l(d);
  }

  private async add(dev: UsbLike): Promise<DockedDevice | undefined> {
    if (dev.vendorId !== this.opts.vendorId || dev.productId !== this.opts.productId) return undefined;
    const sysRoot = this.opts.sysRoot ?? '/sys';
    const name = usbSysName(dev.bus, dev.ports);
    let tty: string | undefined;
    const deadline = Date.now() + (this.opts.ttyWaitMs ?? 3000);
    while (!(tty = findTtyFor(name, sysRoot, this.opts.devRoot)) && Date.now() < deadline) await sleep(50);
    if (!tty) return undefined; // not (yet) bound to cdc_acm: nothing we can talk to
    const bay = this.opts.bays?.[name] ?? Math.max(0, (dev.ports.at(-1) ?? 1) - 1);
    const d: DockedDevice = { bay, serialNumber: dev.serialNumber ?? serialFromSysfs(name, sysRoot) ?? name, ttyPath: tty };
    this.present.set(name, d);
    return d;
  }

  async start(): Promise<DockedDevice[]> {
    const { usb } = await import('usb');
    this.usb = usb as unknown as NonNullable<UsbWatch['usb']>;
    const found: DockedDevice[] = [];
    for (const dev of await this.usb.getDevices()) {
      const d = await this.add(dev);
      if (d) found.push(d);
    }
    this.usb.addEventListener('connect', this.onConnect);
    this.usb.addEventListener('disconnect', this.onDisconnect);
    return found;
  }

  async stop(): Promise<void> {
    this.usb?.removeEventListener('connect', this.onConnect);
    this.usb?.removeEventListener('disconnect', this.onDisconnect);
    this.present.clear();
  }
}
