// The simulated camera's config: the firmware's schema (firmware/config.ts) plus the fields only the
// simulator reads. A bad one is refused like the firmware's (ConfigError, exit 78, field named).
import { z } from 'zod';
import { ScaledClock, type Clock } from '../shared/clock.js';
import { parseConfigWith, readConfigFile } from '../shared/config.js';
import { cameraSchema, configSchema, type FirmwareConfig } from '../firmware/config.js';

export const simConfigSchema = configSchema.extend({
  /** The test picture (hardware-sim/camera.ts); a capture `command` is accepted and not used. */
  camera: cameraSchema.extend({
    width: z.number().int().positive().default(320),
    height: z.number().int().positive().default(240),
    fps: z.number().int().positive().default(25),
    gop: z.number().int().positive().default(25),
    bitrateKbps: z.number().int().positive().default(500),
    /** The synthetic generator instead of ffmpeg's testsrc2. */
    synthetic: z.boolean().default(false),
  }).prefault({}),
  hal: z.literal('sim', { error: "the simulator runs hal 'sim' (the board's firmware is dist/firmware.js)" }).default('sim'),
  /** Run the camera's clock this many times faster than real time. */
  simSpeed: z.number().positive().max(1000).default(1),
  /** The simulated flash's capacity in bytes (free = capacity - bytes under flashDir); absent = statfs. */
  simFlashBytes: z.number().int().positive().optional(),
  /** The board clock is this far off (ms) until the dock sets it. */
  simClockSkewMs: z.number().int().default(0),
  /** Real time at which the scaled clock equals real time (keeps time across power cuts). */
  simEpochMs: z.number().int().positive().optional(),
  /** Serve the dock protocol on this tty as the board does on board.dockTty (a pty end), for a camera
   *  started without an IPC channel (e.g. by the launcher). */
  simDockTty: z.string().min(1).optional(),
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
