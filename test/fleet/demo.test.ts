// `npm run demo` as a new user runs it. With socat, ffmpeg and mosquitto hidden from PATH it still
// completes the shift and the evidence office on its stand-ins, saying so on its first line and never
// with a stack trace. With the real parts and --keep DIR, README's command opens the held clip from the
// kept store and ffprobe finds video in it.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = process.cwd();
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = repo): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Summary {
  ok: boolean;
  cameras: { deviceId: string; recorded: number; delivered: number; receipted: number; wiped: number }[];
  office?: { ok: boolean; held: string | null };
}
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Summary;
const noStack = (stderr: string) => !/^\s+at .+:\d+:\d+\)?$/m.test(stderr);

function assertShift(t: import('ava').ExecutionContext, s: Summary) {
  t.true(s.ok);
  t.true(s.cameras.length > 0);
  for (const c of s.cameras) {
    t.true(c.recorded > 0, `${c.deviceId} recorded nothing`);
    t.deepEqual([c.delivered, c.receipted, c.wiped], [c.recorded, c.recorded, c.recorded], `${c.deviceId}: delivered, receipted, wiped`);
  }
  t.true(s.office?.ok, 'evidence office');
}

test.serial('without socat, ffmpeg and mosquitto the demo completes on its stand-ins', async (t) => {
  t.timeout(10 * 60_000);
  // A PATH holding only node, npm and sh: every optional system tool is missing.
  const bin = mkdtempSync(path.join(os.tmpdir(), 'bare-path-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  for (const c of ['node', 'npm', 'sh']) symlinkSync(c === 'node' ? process.execPath : which(c), path.join(bin, c));
  const r = await run(path.join(bin, 'npm'), ['run', '--silent', 'demo'], { HOME: os.homedir(), PATH: bin });
  t.is(r.code, 0, r.stderr.slice(-3000));
  t.regex(r.stderr.split('\n')[0]!, /^demo: not installed: ffmpeg, socat, mosquitto, so synthetic TS pictures for ffmpeg, serial lines over Unix sockets relayed in process for socat ptys, the embedded aedes broker for mosquitto$/);
  t.true(noStack(r.stderr), 'a stack trace on stderr');
  assertShift(t, summaryOf(r.stdout));
});

test.serial("--keep DIR: README's command opens the held clip from the kept store, ffprobe finds video", async (t) => {
  t.timeout(10 * 60_000);
  const env = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` };
  for (const tool of ['ffmpeg', 'ffprobe', 'socat', 'mosquitto']) if (!spawnSync('sh', ['-c', `command -v ${tool}`], { env }).stdout.length) return t.fail(`${tool} not installed (scripts/system-deps.sh installs it)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-keep-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const keep = path.join(dir, 'shift');
  const r = await run('npm', ['run', '--silent', 'demo', '--', '--keep', keep, '--cameras', '1'], env);
  t.is(r.code, 0, r.stderr.slice(-3000));
  t.regex(r.stderr.split('\n')[0]!, /^demo: real parts: ffmpeg test pictures, socat pty pairs, mosquitto broker$/);
  const s = summaryOf(r.stdout);
  assertShift(t, s);
  const held = s.office!.held!;
  t.truthy(held);

  // README's command, with its example directory and CLIP filled in (npx resolves `bodycam` to bin/bodycam.js).
  const line = readFileSync(path.join(repo, 'README.md'), 'utf8').split('\n').find((l) => l.includes('npx bodycam store view'));
  t.truthy(line, 'README shows the command');
  const cmd = line!.replaceAll('/tmp/shift', keep).replace('CLIP', held).replace('npx bodycam', `node ${path.join(repo, 'bin/bodycam.js')}`);
  const v = await run('sh', ['-c', cmd], env, dir);
  t.is(v.code, 0, v.stderr);
  const out = path.join(dir, 'clip.ts');
  t.true(existsSync(out));
  const said = JSON.parse(v.stdout) as { clipId: string; written: string };
  t.is(said.clipId, held);
  t.is(path.resolve(dir, said.written), out);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', out], { encoding: 'utf8' });
  t.is(probe.status, 0, probe.stderr);
  t.true(probe.stdout.split('\n').includes('video'), probe.stdout);
});
