// A scenario file is checked like a config: every bad or unknown field named (shared/config.ts formatIssues).
import test from 'ava';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';

test('a bad scenario names every bad field, unknown ones by name', (t) => {
  t.is(parseScenario({ name: 'ok', cameras: 2 }).bays, 8);
  const e = t.throws(() => parseScenario({ name: '', cameras: 0, camras: 3 }));
  t.regex(e!.message, /^scenario\.name: .*; scenario\.cameras: .*; scenario\.\(root\): Unrecognized key.*"camras"/);
  t.throws(() => parseScenario({ name: 'x', cameras: 1, faults: [{ kind: 'dock-crash', cout: 2 }] }), { message: /^scenario\.faults\.0: Unrecognized key.*"cout"/ });
  t.throws(() => parseScenario({ name: 'x', cameras: 1, source: 'ffmpeg', speed: 20 }), { message: /^scenario\.speed: must be 1 with source 'ffmpeg'/ });
});
