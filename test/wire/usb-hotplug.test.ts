// UsbHotplug contract: the simulator twin, the sysfs tty mapping on a fake /sys tree, and the real
// watcher where libusb can see a USB bus.
import test from 'ava';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { DockedDevice, UsbHotplug } from '../../shared/hal.js';
import { SimUsbHotplug } from '../../hardware-sim/usb.js';
import { UsbWatch, findTtyFor, usbSysName } from '../../dock-agent/usb-watch.js';

async function contract(t: import('ava').ExecutionContext, hp: UsbHotplug, plug: (bay: number) => void, unplug: (bay: number) => void) {
  const attached: DockedDevice[] = [];
  const detached: DockedDevice[] = [];
  hp.onAttach((d) => attached.push(d));
  const off = hp.onDetach((d) => detached.push(d));
  await hp.start();
  plug(3);
  plug(5);
  unplug(3);
  t.deepEqual(attached.map((d) => d.bay), [3, 5]);
  t.deepEqual(detached.map((d) => d.bay), [3]);
  off();
  unplug(5);
  t.is(detached.length, 1, 'unsubscribed listener not called');
  await hp.stop();
}

test('SimUsbHotplug meets the contract; docked-before-start devices are reported by start()', async (t) => {
  const sim = new SimUsbHotplug();
  sim.dock(0, 'cam-0', '/dev/pts/90');
  t.throws(() => sim.dock(0, 'cam-x', '/dev/pts/91'), { message: /bay 0: already occupied/ });
  const s2 = new SimUsbHotplug();
  s2.dock(1, 'cam-1', '/dev/pts/1');
  t.deepEqual(await s2.start(), [{ bay: 1, serialNumber: 'cam-1', ttyPath: '/dev/pts/1' }]);
  await contract(t, sim, (b) => sim.dock(b, `cam-${b}`, `/dev/pts/${b}`), (b) => sim.undock(b));
});

test('sysfs mapping: ttyACM device link -> USB device name', (t) => {
  const sys = mkdtempSync(join(tmpdir(), 'sysfs-'));
  const dev1 = join(sys, 'devices', 'pci0000:00', 'usb1', '1-1', '1-1.3');
  const dev2 = join(sys, 'devices', 'pci0000:00', 'usb1', '1-1', '1-1.4');
  for (const [d, tty] of [[dev1, 'ttyACM0'], [dev2, 'ttyACM1']] as const) {
    mkdirSync(join(d, `${d.split('/').pop()}:1.0`, 'tty', tty), { recursive: true });
    mkdirSync(join(sys, 'class', 'tty', tty), { recursive: true });
    symlinkSync(join(d, `${d.split('/').pop()}:1.0`), join(sys, 'class', 'tty', tty, 'device'));
  }
  mkdirSync(join(sys, 'class', 'tty', 'ttyS0'), { recursive: true });
  writeFileSync(join(sys, 'class', 'tty', 'ttyS0', 'dev'), '4:64');
  t.is(findTtyFor('1-1.4', sys, '/dev'), '/dev/ttyACM1');
  t.is(findTtyFor('1-1.3', sys, '/dev'), '/dev/ttyACM0');
  t.is(findTtyFor('2-1', sys, '/dev'), undefined);
  t.is(usbSysName('1', [1, 3]), '1-1.3');
  t.is(usbSysName('2-3.4', [3, 4]), '2-3.4');
});

test('real UsbWatch starts where libusb can see a bus', async (t) => {
  const w = new UsbWatch({ vendorId: 0x1d6b, productId: 0x0104, ttyWaitMs: 10 });
  try {
    const present = await w.start();
    t.true(Array.isArray(present));
  } catch (err) {
    t.log(`skipped: no USB bus visible here (${(err as Error).message})`);
    t.pass();
  } finally {
    await w.stop();
  }
});
