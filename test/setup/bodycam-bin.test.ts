// The `bodycam` npm installs (package.json bin → bin/bodycam.js) runs from a checkout with nothing built
// (no dist/): `bodycam --help`, and every `bodycam AREA SUB` README names answers `--help` with its usage.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const bin = path.resolve('bin/bodycam.js');
const bodycam = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });

/** The same, without blocking: the README commands run side by side (each start loads tsx). */
const bodycamAsync = (args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
  const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  p.on('error', reject);
  p.on('close', (status) => resolve({ status, stdout, stderr }));
});

/** `bodycam AREA SUB` pairs from README's code spans: `bodycam pki init / sign-epoch / verify`, `bodycam fw flash BUNDLE …`. */
function readmeCommands(): [string, string | undefined][] {
  const spans = readFileSync('README.md', 'utf8').match(/`bodycam [^`]+`/g) ?? [];
  const out = new Map<string, [string, string | undefined]>();
  for (const span of spans) {
    const words = span.slice(1, -1).replace(/\s*\/\s*/g, '/').split(/\s+/);
    const area = words[1]!;
    if (!/^[a-z]+$/.test(area)) continue; // `bodycam --help`, `bodycam AREA --help`
    const subs = words[2] && /^[a-z][a-z/-]*$/.test(words[2]) ? words[2].split('/') : [undefined];
    for (const sub of subs) out.set(`${area} ${sub ?? ''}`, [area, sub]);
  }
  return [...out.values()];
}

test('package.json bin is the shim, executable, with a node shebang', (t) => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
  t.is(pkg.bin.bodycam, 'bin/bodycam.js');
  t.true((statSync(bin).mode & 0o111) !== 0);
  t.true(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'));
});

test('bodycam --help lists the commands on stdout and exits 0', (t) => {
  const r = bodycam(['--help']);
  t.is(r.status, 0, r.stderr);
  for (const c of ['clip', 'pki', 'provision', 'fw', 'store']) t.regex(r.stdout, new RegExp(`^  ${c}\\b`, 'm'));
  t.is(bodycam(['nonsense']).status, 2);
});

test('every bodycam command README names runs and answers --help with its usage', async (t) => {
  t.timeout(5 * 60_000);
  const cmds = readmeCommands();
  t.true(cmds.length >= 15, `README names ${cmds.length} commands: ${cmds.map((c) => c.join(' ')).join(', ')}`);
  const results = [];
  for (let i = 0; i < cmds.length; i += 4) results.push(...await Promise.all(cmds.slice(i, i + 4).map(([area, sub]) => bodycamAsync([area, ...(sub ? [sub] : []), '--help']))));
  for (const [k, [area, sub]] of cmds.entries()) {
    const r = results[k]!;
    t.is(r.status, 0, `bodycam ${area} ${sub ?? ''} --help: ${r.stderr}`);
    t.regex(r.stdout, /^usage:/, `bodycam ${area} ${sub ?? ''}`);
    if (sub) t.true(r.stdout.includes(sub), `usage of bodycam ${area} does not name ${sub}`);
  }
});
