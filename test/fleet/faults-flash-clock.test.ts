// The fleet runner's flash-nearly-full and clock-skew faults on real processes: small seeded shifts
// where every invariant is still checked, plus the fault's own evidence in the camera's device log.
import test from 'ava';
import Database from 'better-sqlite3';
import path from 'node:path';
import { skewProblem } from '../../hardware-sim/fleet/checks.js';
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';

const small = { cameras: 2, prerecordSeconds: 4, incidentSeconds: [3, 4], gapSeconds: [0.5, 1], speed: 5, bitrate: 400_000 } as const;

test('flash nearly full: the camera records what fits, logs the fault, and loses no clip', async (t) => {
  let logs: { kind: unknown; clipId: unknown; refused: unknown }[] = [];
  const sc = parseScenario({
    ...small, name: 'flash nearly full', seed: 21, cameras: 1, incidentsPerCamera: 3, incidentSeconds: [6, 8],
    faults: [{ kind: 'flash-nearly-full', count: 1, freeSeconds: 8 }],
  });
  // The shift waits for video captured, not wall time (shift.ts), so under load it takes longer instead of
  // recording too little to fill the flash; the offload's bound is generous for the same reason.
  t.timeout(420_000);
  const r = await runScenario(sc, {
    timeoutMs: 300_000,
    beforeChecks: async ({ cameraFlashDirs }) => {
      const db = new Database(path.join(cameraFlashDirs[0]!, 'device-log.db'), { readonly: true });
      logs = (db.prepare("SELECT data FROM device_log WHERE type = 'fault'").all() as { data: string }[]).map((x) => JSON.parse(x.data));
      db.close();
    },
  });
  t.true(r.ok, JSON.stringify({ bad: r.invariants.filter((i) => !i.ok), events: r.events }));
  t.is(r.faults.flashNearlyFull, 1);
  t.true(r.invariants.some((i) => i.name.includes('flash-full') && i.ok));
  // 4 s of pre-record + 6-8 s incidents at 50 kB/s overrun 8 s of room: one clip cut short, later presses refused.
  t.true(logs.some((l) => l.kind === 'flash-full' && typeof l.clipId === 'string'), JSON.stringify(logs));
  t.true(logs.some((l) => l.kind === 'flash-full' && l.refused === true), JSON.stringify(logs));
  t.true(r.totals.recorded >= 1 && r.totals.recorded < 3, `recorded ${r.totals.recorded}`);
  t.is(r.totals.delivered, r.totals.recorded);
  t.is(r.totals.lost, 0);
});

test('clock skew: clips from a camera hours off are delivered and the dock setting its clock is logged', async (t) => {
  const sc = parseScenario({
    ...small, name: 'clock skew', seed: 22, incidentsPerCamera: 1,
    faults: [{ kind: 'clock-skew', count: 1, skewSeconds: -2.5 * 3600 }, { kind: 'camera-power-cut', count: 1 }],
  });
  t.timeout(420_000);
  const r = await runScenario(sc, { timeoutMs: 300_000 });
  t.true(r.ok, JSON.stringify({ bad: r.invariants.filter((i) => !i.ok), events: r.events }));
  t.is(r.faults.clockSkews, 1);
  const skewCheck = r.invariants.find((i) => i.name.includes('skewed camera'));
  t.true(skewCheck?.ok, JSON.stringify(skewCheck));
  t.is(r.totals.recorded, 2);
  t.is(r.totals.delivered, 2);
  t.is(r.totals.wiped, 2);
});

test('the clock-skew check fails on a missing or wrong clock-set', (t) => {
  const sim = { simEpochMs: Date.UTC(2026, 0, 1), speed: 5 };
  const to = sim.simEpochMs + 60_000; // the dock's real time when it set the clock
  const unskewed = sim.simEpochMs + (to - sim.simEpochMs) * sim.speed;
  const entry = (offMs: number) => ({ type: 'clock-set', data: { from: new Date(unskewed + offMs).toISOString(), to: new Date(to).toISOString() } });
  t.is(skewProblem([entry(-3_600_000 + 2000)], -3_600_000, sim), null);
  t.regex(skewProblem([entry(3_600_000)], -3_600_000, sim) ?? '', /off by 3600000 ms, expected -3600000 ms/);
  t.regex(skewProblem([], -3_600_000, sim) ?? '', /no clock-set/);
});
