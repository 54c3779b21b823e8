// The shift: every camera lives through its incidents in parallel (press, record, long-press), and the
// seeded power cuts kill a camera's process mid-incident and boot it again.
import path from 'node:path';
import { startCameraProcess } from '../camera-process.js';
import { faultCount, type Cam } from './cameras.js';
import type { PowerCut } from './checks.js';
import type { Progress } from './progress.js';
import type { Scenario } from './scenario.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The simulated cameras' segment length (cameras.ts: a GOP of fps / 2 frames). */
const GOP_MS = 500;

export async function runShift(sc: Scenario, cams: Cam[], rand: () => number, progress?: Progress): Promise<{ powerCuts: PowerCut[]; cuts: number }> {
  const between = ([a, b]: readonly [number, number]) => a + (b - a) * rand();
  const realMs = (simSeconds: number) => (simSeconds * 1000) / sc.speed;
  const powerCuts: PowerCut[] = [];
  let cuts = 0;

  // Power cuts: which (camera, incident) pairs lose power mid-incident.
  const cutPlan = new Set<string>();
  const cutTarget = Math.min(faultCount(sc, 'camera-power-cut'), sc.cameras * sc.incidentsPerCamera);
  while (cutPlan.size < cutTarget) cutPlan.add(`${Math.floor(rand() * sc.cameras)}:${Math.floor(rand() * sc.incidentsPerCamera)}`);

  const plans = cams.map((_, i) => ({
    warmup: sc.prerecordSeconds + between(sc.gapSeconds),
    incidents: Array.from({ length: sc.incidentsPerCamera }, () => ({ seconds: between(sc.incidentSeconds), gap: between(sc.gapSeconds), cutAt: rand() })),
    i,
  }));
  /**
   * Until `cam` has captured `simSeconds` more video (its newest segment's end moved that far, give or take
   * a GOP), not until that much wall time passed: on a loaded machine the simulated capture runs late,
   * and a shift timed by the clock recorded less than planned (a nearly full flash then never filled).
   * Checked after the planned time, then every 100 ms, for at most 10x the planned time + 30 s.
   */
  const captured = async (cam: Cam, simSeconds: number): Promise<void> => {
    const status = () => cam.proc.send({ op: 'status' }).catch(() => undefined);
    const deadline = Date.now() + realMs(simSeconds) * 10 + 30_000;
    const st0 = await status();
    // Before its first segment a camera has captured nothing: count from its clock.
    const from = Number(st0?.lastSegmentEndMs) || Number(st0?.now) || 0;
    await sleep(realMs(simSeconds));
    for (;;) {
      const at = Number((await status())?.lastSegmentEndMs) || 0;
      if (at >= from + simSeconds * 1000 - GOP_MS || Date.now() > deadline) return;
      await sleep(100);
    }
  };

  await Promise.all(plans.map(async (plan) => {
    const cam = cams[plan.i]!;
    await captured(cam, plan.warmup);
    for (const [k, inc] of plan.incidents.entries()) {
      await cam.proc.send({ op: 'press' });
      progress?.tick(cam.deviceId, 'recording');
      if (cutPlan.has(`${plan.i}:${k}`)) {
        await captured(cam, inc.seconds * (0.2 + 0.7 * inc.cutAt));
        const asked = Date.now();
        const st = await cam.proc.send({ op: 'status' });
        const answered = Date.now();
        const killing = cam.proc.kill9();
        // Camera time at the SIGKILL: the end of the newest segment it had captured when it answered
        // (taken as mid round trip) plus the time since, scaled. Not its clock: on a loaded machine the
        // simulated capture lags the clock, and video never captured is not lost to the cut. Not after the
        // exit is reaped either: under load that wait, x speed, would read as loss.
        const capturedMs = Number(st.lastSegmentEndMs) > 0 ? Number(st.lastSegmentEndMs) : (st.now as number);
        const cutAtMs = capturedMs + ((answered - asked) / 2 + (Date.now() - answered)) * sc.speed;
        await killing;
        const ids = st.clipIds as string[];
        // A camera that had stopped itself (flash full) loses no video to the cut: nothing to measure.
        if (st.recorder === 'recording') {
          powerCuts.push({ deviceId: cam.deviceId, clipId: ids[ids.length - 1]!, cutAtMs, uncertaintyMs: ((answered - asked) / 2) * sc.speed, flashDir: path.join(cam.dir, 'flash') });
        }
        cuts++;
        cam.proc = await startCameraProcess(cam.dir, cam.config);
      } else if (sc.markIncidents.includes(k)) {
        await captured(cam, inc.seconds / 2);
        await cam.proc.send({ op: 'press' }); // a short press while recording: a marker
        await captured(cam, inc.seconds / 2);
        await cam.proc.send({ op: 'long-press' });
      } else {
        await captured(cam, inc.seconds);
        await cam.proc.send({ op: 'long-press' });
      }
      progress?.tick(cam.deviceId, 'recorded');
      await sleep(realMs(inc.gap));
    }
  }));
  return { powerCuts, cuts };
}
