// Runs `bodycam store ...` as a real process (npx tsx tools/bodycam.ts), as an operator would.
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult { code: number | null; stdout: string; stderr: string; json: any }

export function bodycam(args: string[], o: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/bodycam.ts'), 'store', ...args], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', BODYCAM_PASSWORD: '', BODYCAM_NEW_PASSWORD: '', ...o.env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      let json: any; try { json = JSON.parse(stdout); } catch { json = undefined; }
      resolve({ code, stdout, stderr, json });
    });
    p.stdin.end(o.stdin ?? '');
  });
}
