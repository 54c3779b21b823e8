// Live progress of a fleet run on stderr (cli-progress): one bar per camera, incidents recorded then
// clips wiped after delivery. Silent when stderr is not a terminal unless forced.
import cliProgress from 'cli-progress';

export interface Progress {
  add(deviceId: string, incidents: number): void;
  tick(deviceId: string, what: 'recording' | 'recorded' | 'docked' | 'wiped'): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const multi = new cliProgress.MultiBar({
    stream, format: ' {camera} [{bar}] {value}/{total} {state}', hideCursor: true, clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic);
  const bars = new Map<string, { bar: cliProgress.SingleBar; recorded: number; wiped: number; total: number }>();
  return {
    add(deviceId, incidents) {
      const total = incidents * 2;
      bars.set(deviceId, { bar: multi.create(Math.max(1, total), 0, { camera: deviceId, state: 'on duty' }), recorded: 0, wiped: 0, total });
    },
    tick(deviceId, what) {
      const b = bars.get(deviceId);
      if (!b) return;
      if (what === 'recorded') b.recorded++;
      if (what === 'wiped') b.wiped++;
      // A power cut adds a clip, so the total grows with what was actually recorded.
      const total = Math.max(b.total, b.recorded * 2);
      b.bar.setTotal(Math.max(1, total));
      const state = what === 'recording' ? 'recording' : what === 'docked' ? 'offloading' : what === 'wiped' ? `wiped ${b.wiped}` : 'on duty';
      b.bar.update(b.recorded + b.wiped, { state });
    },
    stop() {
      multi.stop();
    },
  };
}
