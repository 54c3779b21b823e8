// Button and output contracts: the same suite against the twins and, on a device with
// /sys/class/gpio, the onoff drivers (pins from BODYCAM_TEST_BUTTON_PIN / BODYCAM_TEST_OUTPUT_PIN).
import test from 'ava';
import type { ButtonInput, DigitalOutput } from '../../shared/hal.js';
import { SimButton } from '../../hardware-sim/button.js';
import { SimOutput } from '../../hardware-sim/output.js';
import { gpioAccessible, GpioOutput } from '../../firmware/drivers/gpio.js';

async function outputContract(t: import('ava').ExecutionContext, o: DigitalOutput) {
  t.false(o.get());
  await o.set(true);
  t.true(o.get());
  await o.set(false);
  t.false(o.get());
  await o.close();
}

test('SimOutput satisfies the output contract and records a timeline', async (t) => {
  const o = new SimOutput('led');
  await outputContract(t, o);
  t.deepEqual(o.timeline.map((e) => e.on), [true, false]);
});

const outPin = Number(process.env.BODYCAM_TEST_OUTPUT_PIN);
const realOut = gpioAccessible && Number.isInteger(outPin) ? test : test.skip;
realOut('GpioOutput satisfies the output contract (skipped: needs /sys/class/gpio and BODYCAM_TEST_OUTPUT_PIN)', async (t) => {
  await outputContract(t, new GpioOutput(outPin));
});

test('SimButton: press and long press give one down and one up edge each, in order', async (t) => {
  const b: ButtonInput & SimButton = new SimButton();
  const edges: string[] = [];
  b.onEdge((e) => edges.push(e));
  await b.press(10);
  t.false(b.isDown());
  const p = b.longPress(200);
  t.true(b.isDown());
  b.setDown(true); // bounce while held: no repeated edge
  await p;
  t.deepEqual(edges, ['down', 'up', 'down', 'up']);
  await b.close();
});
