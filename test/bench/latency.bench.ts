// Button edge → LED on latency through the recorder (sim button/LED, synthetic camera, fake vault),
// p50/p99 over N presses (target p99 ≤ 20 ms), with a baseline of a bare edge→LED listener.
// Press → pre-buffer durable on flash is measured by prebuffer-durable.bench.ts (real vault + fsync).
import pino from 'pino';
import { Recorder, type ClipVault } from '../../firmware/recorder.js';
import { parseConfig } from '../../firmware/config.js';
import { SimButton } from '../../hardware-sim/button.js';
import { SimOutput } from '../../hardware-sim/output.js';
import { SyntheticSource } from '../../hardware-sim/synthetic-source.js';
import { systemClock } from '../../shared/clock.js';

const N = Number(process.env.LATENCY_N ?? 200);
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length * p) / 100))]!;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

async function measure(wire: (button: SimButton, led: SimOutput) => () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  const button = new SimButton();
  const led = new SimOutput('led');
  const reset = wire(button, led);
  for (let i = 0; i < N; i++) {
    let t0 = 0;
    const seen = new Promise<number>((res) => {
      const orig = led.set.bind(led);
      led.set = async (on) => (on && res(performance.now() - t0), orig(on));
    });
    t0 = performance.now();
    button.setDown(true);
    out.push(await seen);
    button.setDown(false);
    await reset();
  }
  return out;
}

const baseline = await measure((b, led) => {
  b.onEdge((e) => e === 'down' && void led.set(true));
  return async () => void (await led.set(false));
});

const config = parseConfig({ deviceId: 'bench', purpose: 'bench', prerecordSeconds: 5, longPressMs: 500, paths: { flashDir: '/x', trustDir: '/y' } });
const vault: ClipVault = { beginClip: () => ({ clipId: 'b', appendSegment: () => {}, close: () => {}, mark: () => {} }) };
const source = new SyntheticSource({ bitrateKbps: 8000, gopMs: 100, clock: systemClock });
await source.start();
const recorder = await measure((button, led) => {
  const rec = new Recorder({ config, clock: systemClock, button, led, haptic: new SimOutput('h'), source, vault, deviceLog: { append: () => {} }, logger: pino({ level: 'silent' }) });
  rec.start();
  return async () => void (await rec.stopRecording(Date.now(), 'bench'));
});
await source.stop();
console.log(JSON.stringify({
  presses: N,
  edgeToLedMs: { p50: r3(pct(recorder, 50)), p99: r3(pct(recorder, 99)), max: r3(Math.max(...recorder)) },
  baselineMs: { p50: r3(pct(baseline, 50)), p99: r3(pct(baseline, 99)) },
  ratioP99: r3(pct(recorder, 99) / Math.max(1e-6, pct(baseline, 99))),
  targetP99Ms: 20,
  meetsTarget: pct(recorder, 99) <= 20,
}));
process.exit(0);
