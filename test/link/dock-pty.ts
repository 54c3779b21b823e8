// Dock a running camera process on a fresh socat pty; both link test files do this per test.
import type { ExecutionContext } from 'ava';
import type { CameraProcess } from '../../hardware-sim/camera-process.js';
import { startPtyPair } from '../../hardware-sim/serial.js';

/** Returns the dock end's path; the pty pair stops at the test's teardown. */
export async function dockOnFreshPty(t: ExecutionContext, cam: CameraProcess): Promise<string> {
  const pty = await startPtyPair();
  t.teardown(() => pty.stop());
  await cam.send({ op: 'dock', tty: pty.b });
  return pty.a;
}
