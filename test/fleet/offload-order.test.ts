// Critical first, on real processes (camera firmware, socat pty, dock agent, mosquitto, central): of
// three clips on one camera the newest carries a signed marker; the dock pulls it first, then the other
// two oldest first, and the order it used is the one the signed clips justify (central's index).
import test from 'ava';
import Database from 'better-sqlite3';
import path from 'node:path';
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';

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
      const db = new Database(path.join(centralDir, 'central.db'), { readonly: true });
      central = db.prepare(`SELECT c.clip_id AS clipId, c.started_at AS startedAt,
        (SELECT COUNT(*) FROM markers m WHERE m.clip_id = c.clip_id AND m.source = 'camera') AS marked FROM clips c ORDER BY c.started_at`).all() as typeof central;
      db.close();
    },
  });
  t.true(r.ok, JSON.stringify(r.invariants.filter((i) => !i.ok)));
  t.is(central.length, 3, JSON.stringify(central));
  const [oldest, middle, newest] = central;
  t.deepEqual(central.map((c) => c.marked > 0), [false, false, true], 'only the newest clip is marked');
  t.deepEqual(pulls, [newest!.clipId, oldest!.clipId, middle!.clipId]);
});
