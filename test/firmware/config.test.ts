import test from 'ava';
import { parseConfig, policyHash } from '../../firmware/config.js';
import { ConfigError } from '../../shared/config.js';
import { parseSimConfig } from '../../hardware-sim/sim-config.js';

const base = { deviceId: 'cam-1', purpose: 'patrol', paths: { flashDir: '/tmp/f', trustDir: '/tmp/t' } };

test('defaults applied', (t) => {
  const c = parseConfig(base);
  t.is(c.prerecordSeconds, 60);
  t.false(c.prebufferAudio);
  t.is(c.longPressMs, 3000);
  t.deepEqual(c.gps, { policy: 'disabled' });
  t.deepEqual(c.camera, {});
});

test('bad field is named', (t) => {
  const e = t.throws(() => parseConfig({ ...base, prerecordSeconds: 500 }), { instanceOf: ConfigError });
  t.regex(e!.message, /config\.prerecordSeconds: .*120/);
  const e2 = t.throws(() => parseConfig({ ...base, gps: { policy: 'enabled' } }));
  t.regex(e2!.message, /config\.gps\.justification/);
  const e3 = t.throws(() => parseConfig({ ...base, paths: { flashDir: '/x' } }));
  t.regex(e3!.message, /config\.paths\.trustDir/);
});

test('policy hash depends on policy only', (t) => {
  const a = parseConfig(base);
  const b = parseConfig({ ...base, deviceId: 'other' });
  const c = parseConfig({ ...base, prebufferAudio: true });
  t.is(policyHash(a), policyHash(b));
  t.not(policyHash(a), policyHash(c));
  t.regex(policyHash(a), /^[0-9a-f]{64}$/);
});

test('sim-only fields are not firmware config: the firmware refuses them, the sim schema takes them apart', (t) => {
  const e = t.throws(() => parseConfig({ ...base, hal: 'sim', simSpeed: 10 }), { instanceOf: ConfigError });
  t.regex(e!.message, /simSpeed/);
  t.regex(t.throws(() => parseConfig({ ...base, camera: { synthetic: true } }))!.message, /synthetic/);
  const { firmware, sim } = parseSimConfig({ ...base, simSpeed: 10, simFlashBytes: 4096, camera: { fps: 10, synthetic: true } });
  t.is(firmware.hal, 'sim');
  t.false('simSpeed' in firmware);
  t.deepEqual(firmware.camera, {});
  t.like(sim, { simSpeed: 10, simFlashBytes: 4096, simClockSkewMs: 0, camera: { fps: 10, synthetic: true, width: 320 } });
  t.notThrows(() => parseConfig(firmware), 'what the firmware gets is valid firmware config');
});

test('a bad sim field is named like a firmware one', (t) => {
  const e = t.throws(() => parseSimConfig({ ...base, simSpeed: 0 }), { instanceOf: ConfigError });
  t.regex(e!.message, /config\.simSpeed: /);
  t.regex(t.throws(() => parseSimConfig({ ...base, hal: 'real' }))!.message, /config\.hal: /);
  t.regex(t.throws(() => parseSimConfig({ ...base, prerecordSeconds: 500 }))!.message, /config\.prerecordSeconds: /);
});
