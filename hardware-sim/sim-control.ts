// Simulator control channel: the fleet runner and tests drive the camera's twins over the Node IPC
// channel, as a guard and a dock would drive the real board.
import { getHeapSpaceStatistics } from 'node:v8';
import type { Logger } from 'pino';
import type { SerialLine } from '../shared/hal.js';
import type { Camera } from '../firmware/boot.js';
import type { SimBoard } from './board.js';
import { FaultyLine, type FaultOptions } from './faulty-line.js';
import { simLineOpener } from './socket-line.js';

export type SimCommand =
  | { op: 'press'; holdMs?: number }
  | { op: 'long-press' }
  | { op: 'gps-chatter'; on: boolean }
  | { op: 'dock'; tty: string; faults?: FaultOptions }
  | { op: 'undock' }
  | { op: 'skew'; ms: number }
  | { op: 'status' };

export function serveSimControl(camera: Camera, board: SimBoard, log: Logger): void {
  if (!process.send) return;
  const button = board.button;
  let dock: { line: SerialLine; detach(): void } | undefined;
  const undock = async () => {
    if (!dock) return;
    const d = dock;
    dock = undefined;
    d.detach();
    await d.line.closeLine().catch(() => undefined);
  };
  const handle = async (cmd: SimCommand): Promise<unknown> => {
    switch (cmd.op) {
      case 'press':
        await button.press(cmd.holdMs ?? 150);
        await camera.app.recorder.idle();
        return camera.status();
      case 'long-press':
        await button.longPress(camera.config.longPressMs + 300);
        await camera.app.recorder.idle();
        return camera.status();
      case 'gps-chatter':
        board.gps.chatter(cmd.on);
        return camera.status();
      case 'dock': {
        await undock();
        const line = await simLineOpener.open(cmd.tty, 115200);
        // A flaky cable: corrupt what the camera sends and receives (the dock side sees the same).
        dock = { line, ...camera.attachDock(cmd.faults ? new FaultyLine(line, cmd.faults) : line) };
        return camera.status();
      }
      case 'undock':
        await undock();
        return camera.status();
      case 'skew':
        camera.clock.set(camera.clock.now() + cmd.ms);
        return camera.status();
      case 'status':
        // The process's own memory split (benches: which part of RSS moves).
        return {
          ...camera.status(), memory: process.memoryUsage(),
          heapSpaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }])),
        };
      default:
        throw new Error(`unknown sim command ${JSON.stringify((cmd as { op?: unknown }).op)}`);
    }
  };
  process.on('message', (m: { id: number; cmd: SimCommand }) => {
    handle(m.cmd).then(
      (result) => process.send?.({ id: m.id, ok: true, result }),
      (err: Error) => {
        log.warn({ err: err.message, op: m.cmd?.op }, 'sim command failed');
        process.send?.({ id: m.id, ok: false, error: err.message });
      },
    );
  });
}
