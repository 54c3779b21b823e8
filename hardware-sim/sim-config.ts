// The simulated camera's config: the firmware's schema (firmware/config.ts) plus the fields only the
// simulator reads. A bad one is refused like the firmware's (ConfigError, exit 78, field named).
import * as z from 'zod/mini';
import { int } from '../shared/zod-mini.js';
import { ScaledClock, type Clock } from '../shared/clock.js';
import { parseConfigWith, readConfigFile } from '../shared/config.js';
import { cameraSchema, configSchema, type FirmwareConfig } from '../firmware/config.js';

const positive = () => z.number().check(z.positive());

export const simConfigSchema = z.extend(configSchema, {
  /** The test picture (hardware-sim/camera.ts); a capture `command` is accepted and not used. */
  camera: z.prefault(z.extend(cameraSchema, {
    width: z._default(int().check(z.positive()), 320),
    height: z._default(int().check(z.positive()), 240),
    fps: z._default(int().check(z.positive()), 25),
    gop: z._default(int().check(z.positive()), 25),
    bitrateKbps: z._default(int().check(z.positive()), 500),
    /** The synthetic generator instead of ffmpeg's testsrc2. */
    synthetic: z._default(z.boolean(), false),
  }), {}),
  hal: z._default(z.literal('sim', { error: "the simulator runs hal 'sim' (the board's firmware is dist/firmware.js)" }), 'sim'),
  /** Run the camera's clock this many times faster than real time. */
  simSpeed: z._default(positive().check(z.maximum(1000)), 1),
  /** The simulated flash's capacity in bytes (free = capacity - bytes under flashDir); absent = statfs. */
  simFlashBytes: z.optional(int().check(z.positive())),
  /** The board clock is this far off (ms) until the dock sets it. */
  simClockSkewMs: z._default(int(), 0),
  /** Real time at which the scaled clock equals real time (keeps time across power cuts). */
  simEpochMs: z.optional(int().check(z.positive())),
  /** Serve the dock protocol on this tty as the board does on board.dockTty (a pty end), for a camera
   *  started without an IPC channel (e.g. by the launcher). */
  simDockTty: z.optional(z.string().check(z.minLength(1))),
});

export type SimConfig = z.output<typeof simConfigSchema>;
export type SimCameraConfig = Omit<SimConfig['camera'], 'command'>;
export type SimFields = Pick<SimConfig, 'simSpeed' | 'simFlashBytes' | 'simClockSkewMs' | 'simEpochMs' | 'simDockTty'> & { camera: SimCameraConfig };

/** Validate a sim camera config; the firmware gets its own fields only, the simulator the rest. */
export function parseSimConfig(raw: unknown): { firmware: FirmwareConfig; sim: SimFields } {
  const { simSpeed, simFlashBytes, simClockSkewMs, simEpochMs, simDockTty, camera: { command, ...camera }, ...rest } = parseConfigWith(simConfigSchema, raw);
  const firmware: FirmwareConfig = { ...rest, camera: command ? { command } : {} };
  return { firmware, sim: { simSpeed, simFlashBytes, simClockSkewMs, simEpochMs, simDockTty, camera } };
}

export function loadSimConfig(file: string): { firmware: FirmwareConfig; sim: SimFields } {
  return parseSimConfig(readConfigFile(file));
}

/** The scaled clock; anchored at simEpochMs so a rebooted camera keeps the same time line (off by
 *  simClockSkewMs, a board clock that drifted, until the dock sets it). Undefined = the system clock. */
export function simClock(s: SimFields): Clock | undefined {
  if (s.simSpeed === 1 && s.simClockSkewMs === 0) return undefined;
  const anchor = s.simEpochMs ?? Date.now();
  return new ScaledClock(anchor + (Date.now() - anchor) * s.simSpeed + s.simClockSkewMs, s.simSpeed);
}
