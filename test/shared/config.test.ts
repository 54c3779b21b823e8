// The one config kit (shared/config.ts) the camera, the dock and the central store load their files with.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, EX_CONFIG, formatIssues, issueText, loadConfig, parseConfigWith, startFailureCode } from '../../shared/config.js';

const schema = z.object({ id: z.string().min(1), port: z.number().int().max(65535).default(80), tls: z.object({ cert: z.string() }).strict() }).strict();

test('a good file loads with defaults applied', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-kit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'c.json');
  writeFileSync(f, JSON.stringify({ id: 'a', tls: { cert: 'c.pem' } }));
  t.deepEqual(loadConfig(schema, f), { id: 'a', port: 80, tls: { cert: 'c.pem' } });
  writeFileSync(f, '{ not json');
  t.throws(() => loadConfig(schema, f), { instanceOf: ConfigError, message: new RegExp(`^config: cannot read ${f} as JSON`) });
  t.throws(() => loadConfig(schema, path.join(dir, 'missing.json')), { instanceOf: ConfigError, message: /^config: cannot read .*missing\.json as JSON \(ENOENT/ });
});

test('every bad field is named by its path; unknown keys by name; the root as (root)', (t) => {
  const e = t.throws(() => parseConfigWith(schema, { id: '', port: 70000, tls: { cert: 'c', password: 'x' }, extra: 1 }), { instanceOf: ConfigError });
  const parts = e!.message.split('; ');
  t.is(parts.length, 4, e!.message);
  t.regex(parts[0]!, /^config\.id: /);
  t.regex(parts[1]!, /^config\.port: /);
  t.regex(parts[2]!, /^config\.tls: .*password/);
  t.regex(parts[3]!, /^config\.\(root\): .*extra/);
  t.is(formatIssues([{ path: ['a', 0, 'b'], message: 'bad' }], 'request'), 'request.a.0.b: bad');
  // The one wording of an issue, used without a prefix by request and message checks.
  t.is(issueText({ path: ['reason'], message: 'too long' }), 'reason: too long');
  t.is(issueText({ path: [], message: 'expected object' }), '(root): expected object');
  t.is(issueText({ path: [], message: 'expected object' }, '(body)'), '(body): expected object');
});

test('exit code: 78 for a ConfigError, 1 for anything else', (t) => {
  t.is(EX_CONFIG, 78);
  t.is(startFailureCode(new ConfigError('config.x: bad')), 78);
  t.is(startFailureCode(new Error('disk on fire')), 1);
});
