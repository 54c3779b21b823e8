// The redaction flow through `bodycam store redact ...` on a real store directory: start (proposed
// tracks), review edits, refusals, preview, approve into the DSAR package, whose signed manifest names
// the source clip, its SHA-256, the plan hash, the approver and time. Every step in the access log.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FsBlobStore } from '../../central-store/blob/fs.js';
import { parseStoreConfig } from '../../central-store/config.js';
import { probe } from '../../central-store/redaction/ffmpeg.js';
import { planHash } from '../../central-store/redaction/plan.js';
import { getCase } from '../../central-store/index/tables/redaction-plans.js';
import { openStoreContext } from '../../central-store/store-context.js';
import { verifyData } from '../../shared/crypto.js';
import { bodycam } from '../store/cli-helpers.js';
import { FAST_SCRYPT, PW, tempDb } from '../store/helpers.js';
import { addClip, iso } from '../store/store-helpers.js';
import { testVideo, tsSegments } from './helpers.js';

// One store for both tests (they run side by side); CLI calls are real processes, so allow time.
let setup: ReturnType<typeof makeSetup> | undefined;
const shared = (t: Parameters<typeof tempDb>[0]) => setup ??= makeSetup(t);

async function makeSetup(t: Parameters<typeof tempDb>[0]) {
  const { dir } = await tempDb(t);
  const keyFile = path.join(dir, 'master.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const cfg = { storeId: 'store-r', dataDir: path.join(dir, 'data'), masterKeyFile: keyFile, mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'unused', certPath: 'unused', keyPath: 'unused' } } };
  const cfgFile = path.join(dir, 'store.json');
  writeFileSync(cfgFile, JSON.stringify(cfg));
  const open = () => openStoreContext(parseStoreConfig(cfg), { masterKey: async () => Buffer.from(readFileSync(keyFile, 'utf8'), 'hex'), scrypt: FAST_SCRYPT });
  const ctx = await open();
  await ctx.ops.bootstrapAdmin('root', PW);
  await ctx.ops.createUser('root', { username: 'owen', role: 'evidence-officer', password: PW });
  await ctx.ops.createUser('root', { username: 'vera', role: 'viewer', password: PW });
  const ev = await ctx.evidence();
  const now = Date.now();
  const epoch = await ev.keys.createEpoch({ epochId: 'e-now', notBefore: iso(now - 86_400_000), notAfter: iso(now + 86_400_000) });
  const f = { db: ctx.db!, blobs: ctx.blobs, signing: await ctx.signingKey() };
  const payloads = tsSegments(await testVideo());
  const clip = await addClip(f, { epoch, startedAt: now - 3600_000, payloads });
  const torn = await addClip(f, { epoch, startedAt: now - 3000_000, payloads });
  const pub = (await ctx.signingKey()).publicKey;
  await ctx.close();
  const as = (user: string, args: string[]) => bodycam(['redact', ...args, '--config', cfgFile, '--user', user], { env: { BODYCAM_PASSWORD: PW } });
  return { dir, open, clip, torn, pub, payloads, as };
}

test('redact start → review → preview → approve renders the DSAR package; refusals name the reason; every step logged', async (t) => {
  t.timeout(300_000);
  const { dir, open, clip, pub, payloads, as } = await shared(t);
  let ctx;
  const denied = await as('vera', ['start', clip.clipId, '--subject', 'Jane Doe']);
  t.is(denied.code, 1); t.regex(denied.stderr, /lacks the dsar permission/);

  const start = await as('owen', ['start', clip.clipId, '--subject', 'Jane Doe']);
  t.is(start.code, 0, start.stderr);
  const caseId: string = start.json.caseId;
  t.regex(caseId, /^rd-[0-9a-f]{12}$/);
  const c0 = start.json.clips[0];
  t.is(c0.video.frames, 80);
  t.true(c0.tracks.length >= 4, `proposed tracks: ${c0.tracks.length}`);
  const subject = [...c0.tracks].sort((a: { detections: number }, b: { detections: number }) => b.detections - a.detections)[0].id;

  t.is((await as('owen', ['keep', caseId, clip.clipId, subject])).code, 0);
  const outOfRange = await as('owen', ['box', caseId, clip.clipId, '--frames', '10-90', '--box', '500,250,120,90']);
  t.is(outOfRange.code, 1); t.regex(outOfRange.stderr, /frames 10-90 out of range \(the clip has frames 0-79\)/);
  const box = await as('owen', ['box', caseId, clip.clipId, '--frames', '10-30', '--box', '500,250,120,90', '--note', 'name badge']);
  t.is(box.code, 0, box.stderr);
  t.deepEqual(box.json.clips[0].boxes, [{ id: 'b1', from: 10, to: 30, x: 500, y: 250, w: 120, h: 90, note: 'name badge' }]);
  t.is((await as('owen', ['mute', caseId, clip.clipId, '--from', '1', '--to', '2'])).code, 0);
  const noReason = await as('owen', ['approve', caseId, '-o', path.join(dir, 'early.zip')]);
  t.is(noReason.code, 1); t.regex(noReason.stderr, /reason: the plan for clip .* has no reason/);
  t.false(existsSync(path.join(dir, 'early.zip')));
  t.is((await as('owen', ['reason', caseId, clip.clipId, '--reason', 'two customers and a name badge in view']).then((r) => r.code)), 0);

  const prev = path.join(dir, 'preview.ts');
  const pr = await as('owen', ['preview', caseId, clip.clipId, '-o', prev]);
  t.is(pr.code, 0, pr.stderr);
  t.deepEqual(await probe((async function* () { yield readFileSync(prev); })()), { width: 640, height: 360, fps: '25/1' });

  const zip = path.join(dir, 'dsar.zip');
  const ap = await as('owen', ['approve', caseId, '-o', zip]);
  t.is(ap.code, 0, ap.stderr);
  const x = path.join(dir, 'x');
  t.is(spawnSync('7z', ['x', '-y', `-p${ap.json.password}`, `-o${x}`, zip], { stdio: 'ignore' }).status, 0);
  t.deepEqual(readdirSync(x).sort(), [`${clip.clipId}.redacted.ts`, 'manifest.json', 'manifest.sig']);
  const mText = readFileSync(path.join(x, 'manifest.json'));
  const sig = JSON.parse(readFileSync(path.join(x, 'manifest.sig'), 'utf8'));
  t.true(verifyData(pub, mText, Buffer.from(sig.sig, 'base64')), 'manifest signed by the store');
  const m = JSON.parse(mText.toString('utf8'));
  t.is(m.kind, 'subject-access'); t.regex(m.title, /redacted/);
  t.false(m.notes.some((n: string) => /Bystanders are not blurred/.test(n)), 'the package no longer says its copies are unblurred');
  t.true(m.notes.some((n: string) => /blurred/.test(n) && /plan/.test(n)));
  const copy = m.clips[0];
  ctx = await open();
  const stored = (await ctx.index.tx((u) => getCase(u, caseId)))[0]!;
  await ctx.close();
  t.is(stored.state, 'approved');
  t.is(copy.redaction.planHash, planHash(stored.plan));
  t.is(copy.redaction.planHash, stored.planHash);
  t.is(copy.redaction.approvedBy, 'owen');
  t.regex(copy.redaction.approvedAt, /^\d{4}-\d\d-\d\dT/);
  t.deepEqual(copy.source, { clipId: clip.clipId, ciphertextSha256: clip.sha256, plaintextSha256: copy.source.plaintextSha256 });
  t.is(copy.source.plaintextSha256, (await import('node:crypto')).createHash('sha256').update(Buffer.concat(payloads)).digest('hex'));
  t.is(copy.redaction.frames, 80);
  t.is(copy.plaintextSha256, (await import('node:crypto')).createHash('sha256').update(readFileSync(path.join(x, `${clip.clipId}.redacted.ts`))).digest('hex'));

  const late = await as('owen', ['unbox', caseId, clip.clipId, 'b1']);
  t.is(late.code, 1); t.regex(late.stderr, /approved plans are not changed/);

  ctx = await open();
  const log = (await ctx.log.mentioning(caseId)).filter((e) => e.user === 'owen').map((e) => `${e.action}:${e.outcome}`);
  await ctx.close();
  for (const a of ['redact-edit:ok', 'redact-edit:error', 'redact-preview:ok', 'redact-approve:ok', 'redact-package:ok']) t.true(log.includes(a), `${a} in ${log.join(' ')}`);
});

test('a clip whose stored copy is cut short is refused when its copy is rendered, naming the reason; no package is left', async (t) => {
  t.timeout(300_000);
  const { dir, open, torn, as } = await shared(t);
  let ctx;

  const s2 = await as('owen', ['start', torn.clipId, '--subject', 'Jane Doe']);
  t.is(s2.code, 0, s2.stderr);
  t.is((await as('owen', ['reason', s2.json.caseId, torn.clipId, '--reason', 'bystanders'])).code, 0);
  ctx = await open();
  const blob = (ctx.blobs as FsBlobStore).pathOf(torn.clipId); // the default config: blobs on disk
  await ctx.close();
  truncateSync(blob, Math.floor(statSync(blob).size * 0.7));
  const zip2 = path.join(dir, 'torn.zip');
  const bad = await as('owen', ['approve', s2.json.caseId, '-o', zip2]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /stored copy fails verification: .*(torn|truncated|no final segment)/);
  t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('torn')), [], 'no package, no partial file');

  ctx = await open();
  const bad2 = (await ctx.log.mentioning(s2.json.caseId)).filter((e) => e.action === 'redact-package').map((e) => e.outcome);
  await ctx.close();
  t.deepEqual(bad2, ['ok', 'error'], 'the failed render is logged as started, then failed');
});
