// GPS contract against the twin and the real serial driver over a socat pty pair.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SerialGps, sentenceType } from '../../firmware/drivers/gps.js';
import { SimGps } from '../../hardware-sim/gps.js';
import { SimOutput } from '../../hardware-sim/output.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('sentenceType keeps only the type, never content', (t) => {
  t.is(sentenceType('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47'), 'GPGGA');
  t.is(sentenceType('garbage 4807.038,N'), undefined);
});

test('SimGps: silent when off, chatters when forced', async (t) => {
  const g = new SimGps(undefined, 20);
  t.teardown(() => g.close());
  const seen: string[] = [];
  g.onSentence((s) => seen.push(s));
  await g.setPower(false);
  await sleep(80);
  t.is(seen.length, 0);
  g.chatter(true);
  await sleep(100);
  t.true(seen.length > 0);
});

test('SerialGps over a socat pty reports sentence types only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gpspty-'));
  const a = join(dir, 'a'), b = join(dir, 'b');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  t.teardown(() => socat.kill());
  for (let i = 0; i < 50 && !(existsSync(a) && existsSync(b)); i++) await sleep(20);
  const gps = new SerialGps(new SimOutput('gps-en'), a);
  t.teardown(() => gps.close());
  const seen: string[] = [];
  gps.onSentence((s) => seen.push(s));
  await gps.setPower(false);
  t.false(gps.isPowered());
  await sleep(200);
  writeFileSync(b, '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n$GPRMC,1,2\r\n');
  for (let i = 0; i < 50 && seen.length < 2; i++) await sleep(20);
  t.deepEqual(seen, ['GPGGA', 'GPRMC']);
});
