// Firmware configuration. Validated with zod; a bad config refuses to start, naming the field.
import { createHash } from 'node:crypto';
// zod/mini (tree-shaken into the bundle, ~4 MB less RSS than zod's classic API on the camera,
// docs/performance.md); the same checks and messages (shared/zod-mini.ts loads zod's English ones).
import * as z from 'zod/mini';
import { int, str } from '../shared/zod-mini.js';
import { parseConfigWith } from '../shared/config.js';

const gps = z.discriminatedUnion('policy', [
  z.object({ policy: z.literal('disabled') }),
  // Enabling GPS is an explicit, justified policy choice (logged at boot).
  z.object({ policy: z.literal('enabled'), justification: str(10) }),
]);

/** The capture pipeline: a command writing MPEG-TS to stdout (default: drivers/camera.ts). */
const cameraShape = { command: z.optional(z.array(z.string()).check(z.minLength(1))) };
export const cameraSchema = z.strictObject(cameraShape);

const configShape = {
  deviceId: str(1),
  purpose: str(1),
  prerecordSeconds: z._default(int(0, 120), 60),
  prebufferBytes: z._default(int().check(z.positive()), 128 * 1024 * 1024),
  prebufferAudio: z._default(z.boolean(), false),
  /** Free flash below this closes the clip being recorded and refuses new ones (room for the index and log). */
  flashReserveBytes: z._default(int(0), 64 * 1024 * 1024),
  /** Live video waiting for the flash, at most (RAM): past it the pre-record, then whole GOPs, are left out. */
  writeQueueBytes: z._default(int(64 * 1024, 256 * 1024 * 1024), 8 * 1024 * 1024),
  longPressMs: z._default(int(500, 10_000), 3000),
  maxClipSeconds: z._default(z.nullable(int().check(z.positive())), null),
  reminderIntervalS: z._default(int().check(z.positive()), 30),
  gps: z._default(gps, { policy: 'disabled' }),
  gpsWatchMs: z._default(int().check(z.positive()), 5000),
  /** A dock session with no request for this long ends: the next request needs a fresh HELLO + AUTH. */
  dockSessionIdleMs: z._default(int(100, 600_000), 20_000),
  /** SET_CLOCK from a dock may move the clock this far (ms); further needs a technician's forced set. */
  clockMaxForwardMs: z._default(int(0), 24 * 3600 * 1000),
  clockMaxBackwardMs: z._default(int(0), 4 * 3600 * 1000),
  /** slotsDir: A/B firmware slots and boot state (docs/firmware-bundle.md); absent = no A/B, no trial checks. */
  paths: z.strictObject({ flashDir: str(1), trustDir: str(1), slotsDir: z.optional(str(1)) }),
  /** Hardware compatibility string a firmware bundle must name. */
  hardware: z._default(z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9._:-]+$/)), 'bodycam-v1'),
  /** 'real': this build's GPIO/serial drivers. 'sim': the hardware is injected by the simulator
   *  (hardware-sim/camera-main.ts, whose schema adds the sim-only fields); firmware/main.ts refuses it. */
  hal: z._default(z.enum(['real', 'sim']), 'real'),
  /** Real board wiring (sysfs GPIO numbers, tty paths); required when hal is 'real'. */
  board: z.optional(
    z.strictObject({
      buttonPin: int(0),
      ledPin: int(0),
      hapticPin: int(0),
      gpsEnablePin: int(0),
      gpsPort: str(1),
      /** The USB CDC-ACM gadget tty the dock talks to (e.g. /dev/ttyGS0). */
      dockTty: str(1),
      debounceMs: z._default(int(1, 200), 20),
    }),
  ),
  camera: z.prefault(cameraSchema, {}),
};
export const configSchema = z.strictObject(configShape);

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
