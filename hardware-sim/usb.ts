// Simulator twin of the dock's USB hotplug: the fleet sim "docks" a camera on a bay with its tty.
import type { DockedDevice, UsbHotplug, Unsubscribe } from '../shared/hal.js';

export class SimUsbHotplug implements UsbHotplug {
  private readonly attach = new Set<(d: DockedDevice) => void>();
  private readonly detach = new Set<(d: DockedDevice) => void>();
  private readonly bays = new Map<number, DockedDevice>();
  private started = false;

  onAttach(listener: (device: DockedDevice) => void): Unsubscribe {
    this.attach.add(listener);
    return () => this.attach.delete(listener);
  }
  onDetach(listener: (device: DockedDevice) => void): Unsubscribe {
    this.detach.add(listener);
    return () => this.detach.delete(listener);
  }

  /** A camera is put into a bay; reported now if started, else by start(). */
  dock(bay: number, serialNumber: string, ttyPath: string): DockedDevice {
    if (this.bays.has(bay)) throw new Error(`bay ${bay}: already occupied by ${this.bays.get(bay)!.serialNumber}`);
    const d = { bay, serialNumber, ttyPath };
    this.bays.set(bay, d);
    if (this.started) for (const l of this.attach) l(d);
    return d;
  }

  undock(bay: number): void {
    const d = this.bays.get(bay);
    if (!d) return;
    this.bays.delete(bay);
    if (this.started) for (const l of this.detach) l(d);
  }

  async start(): Promise<DockedDevice[]> {
    this.started = true;
    return [...this.bays.values()];
  }

  async stop(): Promise<void> {
    this.started = false;
  }
}
