// Small helpers for the evidence office (hardware-sim/evidence-office.ts): an HTTP client for the
// store API, and outside checks of what it hands out (MPEG-TS framing, ffprobe, 7-Zip).
import { spawn, spawnSync } from 'node:child_process';

export interface Reply { status: number; json: any; bytes: Buffer }

/** Calls against the store API at `base`; `must` throws on anything but 2xx, naming the call. */
export function apiClient(base: string) {
  const call = async (method: string, p: string, o: { token?: string; body?: unknown } = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + p, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const bytes = Buffer.from(await res.arrayBuffer());
    let json: any = null;
    if ((res.headers.get('content-type') ?? '').startsWith('application/json')) json = JSON.parse(bytes.toString('utf8'));
    return { status: res.status, json, bytes };
  };
  const must = async (method: string, p: string, o: { token?: string; body?: unknown } = {}): Promise<Reply> => {
    const r = await call(method, p, o);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${p}: HTTP ${r.status} ${r.json ? `${r.json.error}: ${r.json.message}` : ''}`);
    return r;
  };
  const login = async (username: string, password: string): Promise<string> =>
    (await must('POST', '/login', { body: { username, password } })).json.token as string;
  return { call, must, login };
}

/** MPEG-TS framing: starts with a sync byte and every 188-byte packet of the first 64 does too. */
export function looksLikeTs(b: Buffer): boolean {
  if (b.length < 188 || b.length % 188 !== 0) return false;
  for (let i = 0; i < Math.min(64, b.length / 188); i++) if (b[i * 188] !== 0x47) return false;
  return true;
}

/** Whether a command is installed (it runs at all). */
export const hasTool = (cmd: string, arg: string): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).error === undefined;

/** Codec types ffprobe finds in `b`, fed over stdin (the plaintext never touches the disk). */
export function probeStreams(b: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'json', '-i', 'pipe:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.resume();
    p.stdin.on('error', () => undefined); // ffprobe may stop reading once it has seen enough
    p.on('error', (err) => { clearTimeout(timer); reject(err); });
    p.on('close', () => {
      clearTimeout(timer);
      try {
        const j = JSON.parse(Buffer.concat(out).toString('utf8') || '{}') as { streams?: { codec_type?: string; codec_name?: string }[] };
        resolve((j.streams ?? []).map((s) => `${s.codec_type}:${s.codec_name}`));
      } catch (err) { reject(err); }
    });
    p.stdin.end(b);
  });
}

/** `7z t` on a package: true when every entry tests OK. `password` '' tests with an empty one (no prompt). */
export function sevenZipTests(file: string, password: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const p = spawn('7z', ['t', `-p${password}`, file], { stdio: 'ignore' });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', (err) => { clearTimeout(timer); reject(err); });
    p.on('close', (code) => { clearTimeout(timer); resolve(code === 0); });
  });
}
