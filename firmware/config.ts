// Firmware configuration. Validated with zod; a bad config refuses to start, naming the field.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseConfigWith } from '../shared/config.js';

const gps = z.discriminatedUnion('policy', [
  z.object({ policy: z.literal('disabled') }),
  // Enabling GPS is an explicit, justified policy choice (logged at boot).
  z.object({ policy: z.literal('enabled'), justification: z.string().min(10) }),
]);

/** The capture pipeline: a command writing MPEG-TS to stdout (default: drivers/camera.ts). */
export const cameraSchema = z.object({ command: z.array(z.string()).min(1).optional() }).strict();

export const configSchema = z
  .object({
    deviceId: z.string().min(1),
    purpose: z.string().min(1),
    prerecordSeconds: z.number().int().min(0).max(120).default(60),
    prebufferBytes: z.number().int().positive().default(128 * 1024 * 1024),
    prebufferAudio: z.boolean().default(false),
    /** Free flash below this closes the clip being recorded and refuses new ones (room for the index and log). */
    flashReserveBytes: z.number().int().min(0).default(64 * 1024 * 1024),
    /** Live video waiting for the flash, at most (RAM): past it the pre-record, then whole GOPs, are left out. */
    writeQueueBytes: z.number().int().min(64 * 1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
    longPressMs: z.number().int().min(500).max(10_000).default(3000),
    maxClipSeconds: z.number().int().positive().nullable().default(null),
    reminderIntervalS: z.number().int().positive().default(30),
    gps: gps.default({ policy: 'disabled' }),
    gpsWatchMs: z.number().int().positive().default(5000),
    /** A dock session with no request for this long ends: the next request needs a fresh HELLO + AUTH. */
    dockSessionIdleMs: z.number().int().min(100).max(600_000).default(20_000),
    /** SET_CLOCK from a dock may move the clock this far (ms); further needs a technician's forced set. */
    clockMaxForwardMs: z.number().int().min(0).default(24 * 3600 * 1000),
    clockMaxBackwardMs: z.number().int().min(0).default(4 * 3600 * 1000),
    /** slotsDir: A/B firmware slots and boot state (docs/firmware-bundle.md); absent = no A/B, no trial checks. */
    paths: z.object({ flashDir: z.string().min(1), trustDir: z.string().min(1), slotsDir: z.string().min(1).optional() }).strict(),
    /** Hardware compatibility string a firmware bundle must name. */
    hardware: z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/).default('bodycam-v1'),
    /** 'real': this build's GPIO/serial drivers. 'sim': the hardware is injected by the simulator
     *  (hardware-sim/camera-main.ts, whose schema adds the sim-only fields); firmware/main.ts refuses it. */
    hal: z.enum(['real', 'sim']).default('real'),
    /** Real board wiring (sysfs GPIO numbers, tty paths); required when hal is 'real'. */
    board: z
      .object({
        buttonPin: z.number().int().min(0),
        ledPin: z.number().int().min(0),
        hapticPin: z.number().int().min(0),
        gpsEnablePin: z.number().int().min(0),
        gpsPort: z.string().min(1),
        /** The USB CDC-ACM gadget tty the dock talks to (e.g. /dev/ttyGS0). */
        dockTty: z.string().min(1),
        debounceMs: z.number().int().min(1).max(200).default(20),
      })
      .strict()
      .optional(),
    camera: cameraSchema.prefault({}),
  })
  .strict();

export type FirmwareConfig = z.infer<typeof configSchema>;

export function parseConfig(raw: unknown): FirmwareConfig {
  return parseConfigWith(configSchema, raw);
}

/** sha256 of the canonical policy {prerecordSeconds, prebufferAudio, gps}; keys sorted. */
export function policyHash(c: Pick<FirmwareConfig, 'prerecordSeconds' | 'prebufferAudio' | 'gps'>): string {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
      : v;
  const doc = canon({ gps: c.gps, prebufferAudio: c.prebufferAudio, prerecordSeconds: c.prerecordSeconds });
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex');
}
