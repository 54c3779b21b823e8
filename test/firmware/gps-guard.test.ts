import test from 'ava';
import pino from 'pino';
import { GpsGuard } from '../../firmware/gps-guard.js';
import { SimGps } from '../../hardware-sim/gps.js';
import { SimOutput } from '../../hardware-sim/output.js';
import { systemClock } from '../../shared/clock.js';

function setup() {
  const gps = new SimGps(systemClock, 20);
  const led = new SimOutput('led');
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const guard = new GpsGuard({ gps, led, clock: systemClock, deviceLog: { append: (type, data) => void events.push({ type, data }) }, logger: pino({ level: 'silent' }) });
  return { gps, led, events, guard };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('chatter after disable raises the fault and blinks the LED', async (t) => {
  const s = setup();
  t.teardown(async () => (s.guard.close(), s.gps.close()));
  await s.gps.setPower(true);
  await s.guard.apply({ policy: 'disabled' });
  t.false(s.gps.isPowered());
  await sleep(100);
  t.is(s.guard.fault, undefined);
  s.gps.chatter(true);
  await sleep(700);
  t.truthy(s.guard.fault);
  t.regex(s.guard.fault!.sentenceType, /^GP[A-Z]{3}$/);
  const fault = s.events.find((e) => e.type === 'fault');
  t.is(fault?.data.kind, 'gps-chatter');
  t.false(JSON.stringify(s.events).includes('$'));
  t.true(s.led.pulses() >= 1);
});

test('enabling GPS is explicit and logged with its justification', async (t) => {
  const s = setup();
  t.teardown(async () => (s.guard.close(), s.gps.close()));
  await s.guard.apply({ policy: 'enabled', justification: 'lone-worker safety trial 2026' });
  t.true(s.gps.isPowered());
  await sleep(100);
  t.is(s.guard.fault, undefined);
  t.is(s.events[0]!.data.justification, 'lone-worker safety trial 2026');
});
