// Police export and DSAR copies open with 7-Zip and the one-time password, and not without it; the
// manifest carries journal number, recipient, hashes and receipts; nothing is left behind on failure.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { verifyData } from '../../shared/crypto.js';
import { openDocument, type ReceiptBody } from '../../shared/evidence.js';
import { filesUnder, windows } from '../clip/vault-helpers.js';
import { DAY, T0, addClip, code, epochAt, makeStore } from './store-helpers.js';
import { listExports } from '../../central-store/index/tables/exports.js';

function unzip(zip: string, password: string, out: string) {
  return spawnSync('7z', ['x', '-y', `-p${password}`, `-o${out}`, zip], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

async function twoClips(t: Parameters<typeof makeStore>[0]) {
  const f = await makeStore(t);
  const e = await epochAt(f, T0);
  const a = await addClip(f, { epoch: e, startedAt: T0, segments: 40 });
  const b = await addClip(f, { epoch: e, startedAt: T0 + 60_000, segments: 3, finish: false, deviceId: 'cam-2' });
  return { f, a, b, outDir: (() => { const d = path.join(f.dir, 'out'); mkdirSync(d); return d; })() };
}

test('police export: 7z extracts the decrypted clips with the password; manifest and signature check out', async (t) => {
  const { f, a, b, outDir } = await twoClips(t);
  f.clock.now = T0 + 2 * DAY;
  const outPath = path.join(outDir, 'export.zip');
  const r = await f.store.exportForPolice([a.clipId, b.clipId], { journalNumber: '0100-12345-00042-26', recipient: 'Politi Midt- og Vestjylland', by: 'officer.hansen', outPath });
  t.is(r.path, outPath);
  t.deepEqual(r.clips, [a.clipId, b.clipId]);
  t.true(r.password.length >= 20);
  t.is(r.sha256, createHash('sha256').update(readFileSync(outPath)).digest('hex'));
  t.deepEqual(readdirSync(outDir), ['export.zip'], 'no temp file left');

  const listing = execFileSync('7z', ['l', '-slt', `-p${r.password}`, outPath], { encoding: 'utf8' });
  t.is(listing.match(/Method = AES-256 Store/g)?.length, 4, 'every entry AES-256 encrypted');
  const x = path.join(f.dir, 'x');
  const ok = unzip(outPath, r.password, x);
  t.is(ok.status, 0, ok.stdout + ok.stderr);
  t.deepEqual(readdirSync(x).sort(), [`${a.clipId}.ts`, `${b.clipId}.ts`, 'manifest.json', 'manifest.sig'].sort());
  t.true(readFileSync(path.join(x, `${a.clipId}.ts`)).equals(a.plaintext));
  t.true(readFileSync(path.join(x, `${b.clipId}.ts`)).equals(b.plaintext), 'a truncated clip exports its verified prefix');

  const mText = readFileSync(path.join(x, 'manifest.json'));
  const m = JSON.parse(mText.toString('utf8'));
  t.like(m, { kind: 'police-export', journalNumber: '0100-12345-00042-26', recipient: 'Politi Midt- og Vestjylland', exportedBy: 'officer.hansen',
    exportedAt: new Date(T0 + 2 * DAY).toISOString(), storeId: 'store-t' });
  t.deepEqual(m.clips.map((c: { clipId: string }) => c.clipId), [a.clipId, b.clipId]);
  for (const [i, c] of [a, b].entries()) {
    const mc = m.clips[i];
    t.is(mc.plaintextSha256, createHash('sha256').update(c.plaintext).digest('hex'));
    t.is(mc.ciphertextSha256, c.sha256);
    t.is(openDocument<ReceiptBody>(mc.receipt, f.signing.publicKey, 'clip-receipt').sha256, c.sha256, 'receipt vouches for the stored ciphertext');
  }
  t.is(m.clips[1].deviceId, 'cam-2');
  const sig = JSON.parse(readFileSync(path.join(x, 'manifest.sig'), 'utf8'));
  t.true(verifyData(f.signing.publicKey, mText, Buffer.from(sig.sig, 'base64')), 'manifest signed by the store key');

  // The password is shown once: not stored anywhere in the store's files; the export is recorded.
  for (const file of filesUnder(f.dir).filter((p) => !p.startsWith(x))) t.false(readFileSync(file).includes(r.password), file);
  const recorded = await f.store.index.tx((u) => listExports(u));
  t.is(recorded.filter((e) => e.journalNumber === '0100-12345-00042-26' && e.packageSha256 === r.sha256 && e.exportId === r.exportId).length, 1);
});

test('police export: a wrong or missing password opens nothing, and the package holds no plaintext', async (t) => {
  const { f, a, outDir } = await twoClips(t);
  const outPath = path.join(outDir, 'p.zip');
  const r = await f.store.exportForPolice([a.clipId], { journalNumber: 'J-1', recipient: 'Politi', by: 'u', outPath });
  const bad = unzip(outPath, r.password.slice(0, -1) + (r.password.endsWith('a') ? 'b' : 'a'), path.join(f.dir, 'bad'));
  t.not(bad.status, 0);
  t.regex(bad.stdout + bad.stderr, /Wrong password/);
  t.false(existsSync(path.join(f.dir, 'bad', `${a.clipId}.ts`)) && readFileSync(path.join(f.dir, 'bad', `${a.clipId}.ts`)).equals(a.plaintext));
  const none = spawnSync('7z', ['x', '-y', '-p', `-o${path.join(f.dir, 'none')}`, outPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  t.not(none.status, 0);
  const pkg = readFileSync(outPath);
  t.false(windows(a.plaintext, 32).some((w) => pkg.includes(w)), 'no 32-byte run of the plaintext in the package');
  t.false(pkg.includes(Buffer.from('"journalNumber"')), 'the manifest is encrypted too');
});

test('ZIP64 records (forced) open in 7z too', async (t) => {
  const { f, a, outDir } = await twoClips(t);
  const outPath = path.join(outDir, 'z64.zip');
  const r = await f.store.exportForPolice([a.clipId], { journalNumber: 'J-2', recipient: 'Politi', by: 'u', outPath, zip: { zip64: 'always' } });
  const x = path.join(f.dir, 'x64');
  t.is(unzip(outPath, r.password, x).status, 0);
  t.true(readFileSync(path.join(x, `${a.clipId}.ts`)).equals(a.plaintext));
});

test('subject access copy: same format, labelled as such', async (t) => {
  const { f, a, outDir } = await twoClips(t);
  const outPath = path.join(outDir, 'dsar.zip');
  const r = await f.store.exportForSubject([a.clipId], { subject: 'request 2026-17 (J. Jensen)', by: 'dpo', outPath });
  const x = path.join(f.dir, 'xd');
  t.is(unzip(outPath, r.password, x).status, 0);
  const m = JSON.parse(readFileSync(path.join(x, 'manifest.json'), 'utf8'));
  t.like(m, { kind: 'subject-access', subject: 'request 2026-17 (J. Jensen)', exportedBy: 'dpo' });
  t.regex(m.title, /Subject access copy/);
  t.true(m.notes.some((n: string) => /not blurred/.test(n)));
  t.true(readFileSync(path.join(x, `${a.clipId}.ts`)).equals(a.plaintext));
});

test('export refuses bad input and leaves nothing behind when a clip fails verification', async (t) => {
  const { f, a, b, outDir } = await twoClips(t);
  const o = (n: string) => ({ journalNumber: 'J', recipient: 'R', by: 'u', outPath: path.join(outDir, n) });
  writeFileSync(path.join(outDir, 'taken.zip'), 'x');
  t.regex(await code(f.store.exportForPolice([a.clipId], o('taken.zip'))), /^exists: outPath/);
  t.regex(await code(f.store.exportForPolice([], o('e.zip'))), /^bad-input: clipIds: at least one/);
  t.regex(await code(f.store.exportForPolice([a.clipId, a.clipId], o('e.zip'))), /^bad-input: clipIds: a clip id is listed twice/);
  t.regex(await code(f.store.exportForPolice(['nope'], o('e.zip'))), /^not-found/);
  t.regex(await code(f.store.exportForPolice([a.clipId], { ...o('e.zip'), journalNumber: '' })), /^bad-input: journalNumber: required/);
  t.regex(await code(f.store.exportForPolice([a.clipId], { ...o('e.zip'), outPath: path.join(outDir, 'no-dir', 'e.zip') })), /^bad-input: outPath/);
  // Flip one byte deep in the second clip's stored ciphertext: the export stops, and cleans up.
  const blob = f.blobs.pathOf(b.clipId);
  const bytes = readFileSync(blob);
  bytes[bytes.length - 40] ^= 1;
  writeFileSync(blob, bytes);
  t.regex(await code(f.store.exportForPolice([a.clipId, b.clipId], o('fail.zip'))), /^corrupt: clip .* (tampered|truncated)/);
  t.deepEqual(readdirSync(outDir), ['taken.zip'], 'no package, no partial file');
});

test('a package whose file already left (removal unlinks before it notes the time) is gone, not an open error', async (t) => {
  const { f, a, outDir } = await twoClips(t);
  const outPath = path.join(outDir, 'leaving.zip');
  const r = await f.store.exportForPolice([a.clipId], { journalNumber: 'J-3', recipient: 'Politi', by: 'u', outPath });
  t.is((await f.store.exportPackage(r.exportId!)).path, outPath);
  rmSync(outPath);
  const err = await t.throwsAsync(f.store.exportPackage(r.exportId!));
  t.is((err as { code?: string }).code, 'gone');
  t.regex(err!.message, /leaving the server/);
});
