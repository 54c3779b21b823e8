// scripts/system-deps.sh (npm's pretest): silent when every package is there; as a user it stops with
// the exact install line; as root it runs apt-get update once and installs the one list.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const script = path.resolve('scripts/system-deps.sh');
const isRoot = process.getuid?.() === 0;
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
// The list as the script holds it: "package command [root] [norec]" lines between DEPS=' and '.
const deps = readFileSync(script, 'utf8').match(/DEPS='\n([^']*)'/)![1]!.trim().split('\n').map((l) => l.trim().split(/\s+/));
const packages = [...new Set(deps.map((d) => d[0]!))];
const norec = [...new Set(deps.filter((d) => d.slice(2).includes('norec')).map((d) => d[0]!))];
const rec = packages.filter((p) => !norec.includes(p));

/** A bin directory holding only the basics the script needs (so every listed tool is missing). */
function bareBin(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deps-bin-'));
  chmodSync(dir, 0o755); // nobody runs from it in the user test
  for (const c of ['sh', 'awk', 'sed', 'id']) symlinkSync(which(c), path.join(dir, c));
  for (const [name, body] of Object.entries(extra)) { writeFileSync(path.join(dir, name), body); chmodSync(path.join(dir, name), 0o755); }
  return dir;
}

test('the list names the packages .ci/run used to install', (t) => {
  for (const p of ['ffmpeg', 'socat', 'mosquitto', 'mosquitto-clients', 'e2fsprogs', 'p7zip-full']) t.true(packages.includes(p), p);
});

test('PostgreSQL and Ceph (mon, OSD, RADOS Gateway) are on it; Ceph without its large recommends', (t) => {
  for (const p of ['postgresql', 'radosgw', 'ceph-mon', 'ceph-osd']) t.true(packages.includes(p), p);
  t.deepEqual(norec, ['radosgw', 'ceph-mon', 'ceph-osd']);
});

test('with every package installed it passes silently', (t) => {
  const env = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` };
  const r = spawnSync('sh', [script], { encoding: 'utf8', env });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '');
});

test('as a user with packages missing it stops at once, printing the exact install line', (t) => {
  const bin = bareBin();
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  // Root drops to nobody for this (a copy of the script: the checkout may be unreadable to nobody).
  const copy = path.join(bin, 'system-deps.sh');
  writeFileSync(copy, readFileSync(script));
  const cmd = isRoot ? [which('setpriv'), '--reuid=65534', '--regid=65534', '--clear-groups', path.join(bin, 'sh'), copy] : [path.join(bin, 'sh'), copy];
  if (isRoot && !cmd[0]) return t.pass('setpriv not installed: cannot drop root here');
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', env: { PATH: bin } });
  t.is(r.status, 1, r.stderr);
  t.true(r.stderr.split('\n').includes(`  apt-get update && apt-get install -y ${rec.join(' ')} && apt-get install -y --no-install-recommends ${norec.join(' ')}`), r.stderr);
  t.regex(r.stderr, /not found: ffmpeg ffprobe socat/);
});

test('as root it runs apt-get update once, installs the list, and checks again', (t) => {
  if (!isRoot) return t.pass('needs root (the install branch)');
  const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'deps-log-')), 'apt.log');
  // A stand-in apt-get: logs its arguments; "install" puts every listed command on PATH.
  const cmds = deps.map((d) => d[1]!).join(' ');
  const bin = bareBin({
    'apt-get': `#!${which('sh')}\necho "$*" >> ${log}\nif [ "$1" = install ]; then for c in ${cmds}; do printf '#!/bin/sh\\n' > "$(dirname "$0")/$c"; chmod +x "$(dirname "$0")/$c"; done; fi\n`,
  });
  for (const c of ['chmod', 'dirname', 'cat', 'printf']) symlinkSync(which(c), path.join(bin, c));
  t.teardown(() => { rmSync(bin, { recursive: true, force: true }); rmSync(path.dirname(log), { recursive: true, force: true }); });
  const r = spawnSync(path.join(bin, 'sh'), [script], { encoding: 'utf8', env: { PATH: bin } });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['update -qq', `install -y -qq ${rec.join(' ')}`, `install -y -qq --no-install-recommends ${norec.join(' ')}`]);
});

test('.ci/run runs exactly the README test command, and npm test runs the script first', (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const testCmd = readme.match(/^(npm ci && npm test)\b/m)?.[1];
  t.truthy(testCmd, 'README names `npm ci && npm test`');
  const ci = readFileSync('.ci/run', 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !/^(set|cd) /.test(l));
  t.deepEqual(ci, [testCmd]);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  t.is(pkg.scripts.pretest, 'sh scripts/system-deps.sh');
});
