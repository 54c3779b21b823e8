// The dock agent's entry refuses a bad config with exit 78 naming the field, before touching USB or MQTT.
import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createCA, issueCertificate } from '../../shared/pki/ca.js';
import { tmpDir } from '../mqtt/setup.js';

function run(cfg: string): Promise<{ code: number | null; stderr: string }> {
  const p = spawn(process.execPath, ['--import=tsx', 'dock-agent/main.ts', cfg], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  return new Promise((r) => p.on('close', (code) => r({ code, stderr })));
}

test('dock agent: plaintext MQTT, credentials in the URL, or a client certificate for another dock: exit 78 naming the field', async (t) => {
  const dir = await tmpDir('dock-main-');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const ca = createCA();
  const other = issueCertificate({ role: 'dock', id: 'dock-2', ca });
  const f = (n: string, s: string) => { writeFileSync(path.join(dir, n), s); return path.join(dir, n); };
  const base = {
    dockId: 'dock-1', mqttUrl: 'mqtts://127.0.0.1:1', centralPublicKeyPath: f('central.pub.pem', '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n'),
    spoolDir: path.join(dir, 'spool'), journalPath: path.join(dir, 'j.db'), epochsDir: path.join(dir, 'e'),
    usb: { vendorId: 1, productId: 2 }, auth: { certPath: f('c.pem', other.certPem), keyPath: f('k.pem', other.keyPem), caCertPath: f('ca.pem', ca.certPem) },
  };
  const cfg = path.join(dir, 'dock.json');
  writeFileSync(cfg, JSON.stringify({ ...base, mqttUrl: 'mqtt://127.0.0.1:1883' }));
  let r = await run(cfg);
  t.is(r.code, 78);
  t.regex(r.stderr, /config\.mqttUrl: an mqtts:\/\/ URL/);
  writeFileSync(cfg, JSON.stringify({ ...base, mqttUrl: 'mqtts://dock:hunter2@127.0.0.1:8883' }));
  r = await run(cfg);
  t.is(r.code, 78);
  t.regex(r.stderr, /config\.mqttUrl: a URL without credentials/);
  t.notRegex(r.stderr, /hunter2/);
  writeFileSync(cfg, JSON.stringify(base));
  r = await run(cfg);
  t.is(r.code, 78);
  t.regex(r.stderr, /config\.auth\.certPath: certificate is for dock-2, not dockId dock-1/);
  writeFileSync(cfg, JSON.stringify({ ...base, mqttTls: { certPath: path.join(dir, 'missing.pem') } }));
  r = await run(cfg);
  t.is(r.code, 78);
  t.regex(r.stderr, /config\.mqttTls\.certPath: cannot read/);
  // A schema error, an unknown field, an unreadable file and a central key that is no key: exit 78 naming the field too.
  writeFileSync(cfg, JSON.stringify({ ...base, usb: { vendorId: 1 } }));
  r = await run(cfg);
  t.is(r.code, 78);
  t.regex(r.stderr, /config\.usb\.productId: /);
  writeFileSync(cfg, JSON.stringify({ ...base, spoolDirectory: '/tmp/x' }));
  r = await run(cfg);
  t.is(r.code, 78);
  t.regex(r.stderr, /config\.\(root\): Unrecognized key.*"spoolDirectory"/);
  r = await run(path.join(dir, 'no-such.json'));
  t.is(r.code, 78);
  t.regex(r.stderr, /config: cannot read .*no-such\.json/);
  writeFileSync(cfg, JSON.stringify({ ...base, centralPublicKeyPath: f('not-a-key.pem', 'hello') }));
  r = await run(cfg);
  t.is(r.code, 78);
  t.regex(r.stderr, /config\.centralPublicKeyPath: not a public key/);
});
