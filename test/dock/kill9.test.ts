import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { Journal } from '../../dock-agent/journal.js';
import { clipCountIn, wipeCertsIn } from '../helpers/index-read.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { blobBytes, makeCentral, tmpDir } from '../mqtt/setup.js';
import { buildSignedClip, cameraIdentity } from '../helpers/pki.js';

function runChild(args: string[], onEvent: (e: { type: string }, child: ChildProcess) => void, env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import=tsx', path.join(import.meta.dirname, 'fixtures', 'agent-child.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  readline.createInterface({ input: child.stdout! }).on('line', (l) => { try { onEvent(JSON.parse(l), child); } catch { /* not an event */ } });
  return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function setup(t: import('ava').ExecutionContext) {
  const b = await startMosquitto({ docks: ['dock-k'] });
  const central = await makeCentral(b);
  const dir = await tmpDir('kill9-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(dir, { recursive: true, force: true }); });
  await central.start();
  const pubPath = path.join(dir, 'central.pub.pem');
  await writeFile(pubPath, central.publicKey.export({ type: 'spki', format: 'pem' }));
  await mkdir(path.join(dir, 'camera'));
  const originals = new Map<string, Buffer>();
  for (let i = 0; i < 4; i++) {
    const { clip, data } = buildSignedClip(1_500_000 + i, { deviceId: 'cam-1' });
    const clipId = clip.clipId;
    originals.set(clipId, data);
    await writeFile(path.join(dir, 'camera', `${clipId}.bin`), data);
    await writeFile(path.join(dir, 'camera', `${clipId}.json`), JSON.stringify(clip));
    await writeFile(path.join(dir, 'camera-identity.json'), JSON.stringify(cameraIdentity('cam-1')), { mode: 0o600 });
  }
  const id = b.files('dock-k');
  return { central, dir, originals, args: [b.url, pubPath, dir, id.caPath, id.certPath, id.keyPath] };
}

test('dock agent killed -9 mid-upload: restarts from the journal, no re-pull, no duplicates', async (t) => {
  const { central, dir, originals, args } = await setup(t);

  const first = runChild(args, (e, child) => { if (e.type === 'receipted') child.kill('SIGKILL'); });
  t.teardown(() => { first.child.kill('SIGKILL'); });
  const code1 = await first.exited;
  t.is(code1, null, 'first agent was killed');
  const atKill = journalAt(dir);
  const pulledBefore = atKill.filter((r) => r.state !== 'pulling').map((r) => r.clipId);
  t.true(atKill.some((r) => r.state === 'uploading' || r.state === 'pulled'), `some clip still to deliver at kill: ${JSON.stringify(atKill)}`);
  const pullsBefore = (await readFile(path.join(dir, 'pulls.log'), 'utf8')).trim().split('\n').length;

  const { unanswered } = await restartToEnd(t, args);
  const pullsAfter = (await readFile(path.join(dir, 'pulls.log'), 'utf8')).trim().split('\n');
  for (const id of pulledBefore) t.is(pullsAfter.filter((p) => p === id).length, 1, `clip ${id} pulled once`);
  t.true(pullsAfter.length >= pullsBefore);
  t.deepEqual(await clipFiles(dir), [], 'camera wiped');
  for (const [id, data] of originals) t.true((await blobBytes(central, id)).equals(data));
  t.is(await clipCountIn(central.db), 4);
  // Even when the kill fell between the camera's wipe and the journal entry, the camera kept that
  // clip's certificate and answered the retried WIPE with it: none is lost (the test below drives that case).
  t.is(unanswered, 0);
  t.is((await wipeCertsIn(central.db)).filter((c) => c.receiptMatches).length, 4);
});

/**
 * The journal the killed agent left, through its owner (read-write: a kill mid-transaction leaves a hot
 * rollback journal that a read-only handle cannot roll back, SQLITE_READONLY_ROLLBACK).
 */
function journalAt(dir: string) {
  const j = Journal.open(path.join(dir, 'journal.db'));
  try { return j.all(); } finally { j.close(); }
}

/** The fake camera's clip files (the certificates it keeps for a lost answer, `.cert`, aside). */
const clipFiles = async (dir: string) => (await readdir(path.join(dir, 'camera'))).filter((f) => !f.endsWith('.cert'));

/** Run the agent again until it exits: it must end with an empty journal. Counts lost wipe answers. */
async function restartToEnd(t: ExecutionContext, args: string[], env: Record<string, string> = {}): Promise<{ unanswered: number }> {
  let done: { type: string; journal?: number } | null = null;
  let unanswered = 0;
  const second = runChild(args, (e) => { if (e.type === 'all-done') done = e; if (e.type === 'wipe-unanswered') unanswered++; }, env);
  t.teardown(() => { second.child.kill('SIGKILL'); });
  t.is(await second.exited, 0);
  t.deepEqual(done, { type: 'all-done', journal: 0 });
  return { unanswered };
}

// The cause of the old one-in-three failure above, driven exactly: the camera finished a WIPE and the
// agent died before markWiped. The restarted agent no longer sees the clip listed; it must still finish
// the journal row and remove the spool copy (before the fix it reported journal: 1, every time).
test('dock agent killed -9 between the camera\'s wipe and its journal entry: the restart finishes that clip', async (t) => {
  const { central, dir, originals, args } = await setup(t);
  const first = runChild(args, () => undefined, { KILL_AFTER_CAMERA_WIPE: '1' });
  t.teardown(() => { first.child.kill('SIGKILL'); });
  t.is(await first.exited, null, 'first agent killed itself right after the camera wiped');
  const gone = journalAt(dir).filter((r) => r.state === 'receipted').map((r) => r.clipId);
  const camNow = new Set((await readdir(path.join(dir, 'camera'))).map((f) => f.replace(/\.(bin|json)$/, '')));
  t.true(gone.some((id) => !camNow.has(id)), 'a receipted clip is already gone from the camera');

  const { unanswered } = await restartToEnd(t, args);
  t.is(unanswered, 0, 'the camera answered the retried WIPE with the certificate it kept');
  t.deepEqual(await clipFiles(dir), [], 'camera wiped');
  t.deepEqual(await readdir(path.join(dir, 'spool')), [], 'no spool copy left on the dock');
  for (const [id, data] of originals) t.true((await blobBytes(central, id)).equals(data));
  t.is((await wipeCertsIn(central.db)).filter((c) => c.receiptMatches && c.signatureVerified).length, 4, 'no certificate lost');
});

test('dock agent killed -9 mid-pull while that clip\'s first chunks are already at central: the restart pulls only the rest', async (t) => {
  const { central, dir, originals, args } = await setup(t);
  const env = { PIECE_DELAY_MS: '15' };
  /** Chunk records central's assembly holds for a clip from this dock (16 KiB chunks). */
  const chunksAtCentral = (clipId: string) => stat(path.join(central.blobs.workDir(), `dock-k.${clipId}.16384.chunks`)).then((s) => s.size / 36, () => 0);
  let killedIn: { clipId: string; pulled: number; atCentral: number } | undefined;
  let waiting = false;
  // The child's pull stops halfway through its first clip (PAUSE_AT_HALF); once central holds chunks of
  // that clip (its delivery went on), the dock is killed.
  const first = runChild(args, (e, child) => {
    const p = e as { type: string; clipId?: string; bytes?: number; of?: number };
    if (waiting || p.type !== 'pull-progress' || p.bytes! < p.of! / 2) return;
    waiting = true;
    void (async () => {
      const end = Date.now() + 60_000;
      let n = 0;
      while ((n = await chunksAtCentral(p.clipId!)) === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      killedIn = { clipId: p.clipId!, pulled: p.bytes!, atCentral: n };
      child.kill('SIGKILL');
    })();
  }, { ...env, PAUSE_AT_HALF: '1' });
  t.teardown(() => { first.child.kill('SIGKILL'); });
  t.is(await first.exited, null, 'first agent was killed');
  t.truthy(killedIn, 'killed while a clip was half pulled');
  t.true(killedIn!.atCentral > 0, `central held ${killedIn!.atCentral} chunks of a clip still being pulled (pipelined)`);
  const row = journalAt(dir).find((r) => r.clipId === killedIn!.clipId);
  t.is(row?.state, 'pulling', 'no further than pulling in the journal');
  t.is(row?.receipt, null);

  await restartToEnd(t, args, env);
  const reads = (await readFile(path.join(dir, 'reads.log'), 'utf8')).trim().split('\n').map((l) => l.split(' '));
  const resumed = reads.filter(([id]) => id === killedIn!.clipId).map(([, from]) => Number(from));
  t.is(resumed.length, 2, 'the half-pulled clip was pulled twice: before and after the kill');
  t.is(resumed[0], 0);
  t.true(resumed[1]! >= killedIn!.pulled - 65536, `resumed at ${resumed[1]}, not from the start (${killedIn!.pulled} pulled at the kill)`);
  t.deepEqual(await clipFiles(dir), [], 'camera wiped');
  t.deepEqual(await readdir(path.join(dir, 'spool')), [], 'no spool copy left on the dock');
  for (const [id, data] of originals) t.true((await blobBytes(central, id)).equals(data), `clip ${id} stored byte-exact`);
  t.is(await clipCountIn(central.db), 4);
});
