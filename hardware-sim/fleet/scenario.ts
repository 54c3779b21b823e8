// A shift as data: cameras, docks, incidents and faults. Validated with zod so a bad scenario file
// names the field instead of running something else than was meant.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssues } from '../../shared/config.js';

const faultKinds = [
  'camera-power-cut', // kill -9 of a camera's firmware process while it records
  'dock-crash', // kill -9 of the dock agent mid-offload
  'broker-restart', // stop and start the MQTT broker mid-offload
  'central-crash', // kill the central store's ingest mid-offload
  'usb-detach', // camera pulled out of its bay mid-transfer, put back after a while
  'flash-nearly-full', // a camera's flash has room for only freeSeconds of video above its reserve
  'clock-skew', // a camera's board clock is off by skewSeconds until the dock sets it
] as const;

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    seed: z.number().int().nonnegative().default(1),
    cameras: z.number().int().min(1).max(64),
    bays: z.number().int().min(1).max(8).default(8),
    /** Seconds of video each camera buffers before the first press. */
    prerecordSeconds: z.number().min(0).max(120).default(60),
    /** Incidents per camera during the shift; each: press, record for durationSeconds, long-press. */
    incidentsPerCamera: z.number().int().min(0).max(20).default(2),
    incidentSeconds: z.tuple([z.number().positive(), z.number().positive()]).default([5, 20]),
    /** Incidents (0-based, on every camera) in which the guard marks a moment: a short press halfway through. */
    markIncidents: z.array(z.number().int().min(0).max(19)).max(20).default([]),
    /** Video bitrate of the simulated cameras, bits per second. */
    bitrate: z.number().int().positive().default(2_000_000),
    /** How much faster than real time the shift runs (synthetic camera source only). */
    speed: z.number().positive().max(1000).default(20),
    /** Camera picture source: ffmpeg testsrc (real time only) or the synthetic GOP generator. */
    source: z.enum(['ffmpeg', 'synthetic']).default('synthetic'),
    /** Seconds between incidents, and after boot before the first one (on top of the pre-record). */
    gapSeconds: z.tuple([z.number().min(0), z.number().min(0)]).default([1, 4]),
    /** Serial line faults for every docked camera. */
    serial: z.object({ bitErrorRate: z.number().min(0).max(1e-2).default(0), dropRate: z.number().min(0).max(0.5).default(0) }).default({ bitErrorRate: 0, dropRate: 0 }),
    faults: z
      .array(z.object({
        kind: z.enum(faultKinds),
        /** Power cuts / crashes / restarts / detaches; for flash-nearly-full and clock-skew: cameras affected. */
        count: z.number().int().min(0).max(1000).default(1),
        /** flash-nearly-full: seconds of video (at the scenario bitrate) that fit above the reserve. */
        freeSeconds: z.number().positive().max(3600).optional(),
        /** clock-skew: how far off (+ ahead, - behind); default seeded, 5 min to 3 h either way. */
        skewSeconds: z.number().min(-86_400 * 30).max(86_400 * 30).optional(),
      }).strict())
      .default([]),
    broker: z.enum(['aedes', 'mosquitto']).default('aedes'),
    /** Camera-dock serial line: a socat pty pair, or Unix sockets relayed in the runner (no socat needed). */
    line: z.enum(['pty', 'socket']).default('pty'),
  })
  .strict()
  .refine((s) => s.source !== 'ffmpeg' || s.speed === 1, { path: ['speed'], message: "must be 1 with source 'ffmpeg' (ffmpeg runs in real time)" });

export type Scenario = z.infer<typeof scenarioSchema>;
export type FaultKind = (typeof faultKinds)[number];

export function parseScenario(input: unknown): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (!r.success) throw new Error(formatIssues(r.error.issues, 'scenario'));
  return r.data;
}

export function loadScenario(path: string): Scenario {
  return parseScenario(JSON.parse(readFileSync(path, 'utf8')));
}

export const defaultScenario: Scenario = parseScenario({ name: 'short shift', cameras: 3, incidentsPerCamera: 2 });

/** What `npm run demo` runs: a short shift, three cameras, one dock, no faults, on the real parts installed. */
export function demoScenario(parts: { ffmpeg: boolean; socat: boolean; mosquitto: boolean }): Scenario {
  const { ffmpeg } = parts;
  return parseScenario({
    name: 'demo: short shift', cameras: 3, incidentsPerCamera: 2, prerecordSeconds: ffmpeg ? 10 : 60,
    incidentSeconds: ffmpeg ? [4, 8] : [20, 90], gapSeconds: ffmpeg ? [1, 3] : [10, 60],
    bitrate: ffmpeg ? 800_000 : 2_000_000, source: ffmpeg ? 'ffmpeg' : 'synthetic', speed: ffmpeg ? 1 : 20,
    line: parts.socat ? 'pty' : 'socket', broker: parts.mosquitto ? 'mosquitto' : 'aedes',
  });
}
