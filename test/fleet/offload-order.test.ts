// Critical first, on real processes (camera firmware, socat pty, dock agent, mosquitto, central): of
// three clips on one camera the newest carries a signed marker; the dock pulls it first, then the other
// two oldest first, and the order it used is the one the signed clips justify (central's index).
import test from 'ava';
import path from 'node:path';
import { allClips } from '../../central-store/index/tables/clips.js';
import { markersOf } from '../../central-store/index/tables/markers.js';
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';
import { readIndexFile } from '../helpers/index-read.js';

test('the marked clip is pulled first, then the rest oldest first', async (t) => {
  const pulls: string[] = [];
  let central: { clipId: string; startedAt: string; marked: number }[] = [];
  const r = await runScenario(parseScenario({
    name: 'order', seed: 21, cameras: 1, prerecordSeconds: 0, incidentsPerCamera: 3, incidentSeconds: [4, 4], gapSeconds: [1, 1],
    speed: 10, bitrate: 400_000, markIncidents: [2], broker: 'mosquitto',
  }), {
    timeoutMs: 90_000,
    onDockEvent: (e) => { if (e.type === 'pull-started') pulls.push(String(e.clipId)); },
    afterChecks: async ({ centralDir }) => {
      central = await readIndexFile(path.join(centralDir, 'central.db'), async (u) => {
        const out: typeof central = [];
        for (const c of await allClips(u)) {
          out.push({ clipId: c.clip_id, startedAt: c.started_at, marked: (await markersOf(u, c.clip_id)).filter((m) => m.source === 'camera').length });
        }
        return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      });
    },
  });
  t.true(r.ok, JSON.stringify(r.invariants.filter((i) => !i.ok)));
  t.is(central.length, 3, JSON.stringify(central));
  const [oldest, middle, newest] = central;
  t.deepEqual(central.map((c) => c.marked > 0), [false, false, true], 'only the newest clip is marked');
  t.deepEqual(pulls, [newest!.clipId, oldest!.clipId, middle!.clipId]);
});
