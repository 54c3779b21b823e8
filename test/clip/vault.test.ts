import test from 'ava';
import { constants, createHash, privateDecrypt } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { segmentKey } from '../../shared/clip/format.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { decryptBuffer, parseClipBuffer } from '../../shared/clip/reader.js';
import { IndexDb } from '../../firmware/vault/index-db.js';
import { openDocument, type WipeCertificateBody } from '../../shared/evidence.js';
import { plainSegment, tempDir } from './helpers.js';
import { device, evidence, openVault, receiptFor, scan, store, windows } from './vault-helpers.js';
import { generateKeyPairSync } from 'node:crypto';

async function record(vault: ReturnType<typeof openVault>['vault'], n: number, tag: string, close = true) {
  const c = await vault.beginClip({ startedAtMs: 1_700_000_000_000, purpose: 'crime-prevention', prerecordSeconds: 60, audioKept: 'live-only', policyHash: 'abc' });
  const segs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const data = plainSegment(i, 8192, tag);
    segs.push(data);
    await c.appendSegment({ startMs: 1_700_000_000_000 + i * 1000, durationMs: 1000, keyframe: i % 2 === 0, data });
  }
  const summary = close ? await c.close(1_700_000_000_000 + n * 1000, { stopReason: 'long-press' }) : null;
  return { c, segs, summary };
}

test('a recorded clip is listed with the sha256 of its file, reads back in chunks and decrypts', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const { c, segs, summary } = await record(vault, 4, 'a');
  const file = readFileSync(join(dir, 'clips', `${c.clipId}.bcc`));
  t.deepEqual(vault.list(), [summary!]);
  t.is(summary!.state, 'closed');
  t.is(summary!.bytes, file.length);
  t.is(summary!.sha256, createHash('sha256').update(file).digest('hex'));
  t.is(summary!.startedAt, new Date(1_700_000_000_000).toISOString());
  const parts: Buffer[] = [];
  for (let off = 0; off < summary!.bytes; off += 5000) parts.push(await vault.readChunk(c.clipId, off, 5000));
  t.deepEqual(Buffer.concat(parts), file);
  const { plaintext, stats } = decryptBuffer(file, evidence.privateKey);
  t.deepEqual(plaintext, Buffer.concat(segs));
  t.is(stats.meta.deviceId, 'cam-7');
  t.is(stats.meta.prerecordSeconds, 60);
  t.is(stats.finalMeta?.stopReason, 'long-press');
  await t.throwsAsync(vault.readChunk(c.clipId, 0, 64 * 1024 * 1024), { message: /length/ });
});

test('a clip still recording is neither listed nor readable', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const { c } = await record(vault, 2, 'r', false);
  t.deepEqual(vault.list(), []);
  await t.throwsAsync(vault.readChunk(c.clipId, 0, 10), { message: /still recording/ });
  await c.close(Date.now());
});

test('no plaintext and no key on flash: scan every file, sqlite included', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  const a = await record(vault, 3, 'secret-a');
  const b = await record(vault, 2, 'secret-b', false);
  const needles = [...a.segs, ...b.segs].flatMap((s) => windows(s));
  for (const c of [a.c.clipId, b.c.clipId]) {
    const buf = readFileSync(join(dir, 'clips', `${c}.bcc`));
    const h = parseClipBuffer(buf).header;
    const dataKey = privateDecrypt({ key: evidence.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, h.wrappedKey);
    needles.push(dataKey, segmentKey(dataKey, h.headerHash));
  }
  t.true(needles.length > 600);
  t.deepEqual(scan(dir, needles), []);
  await b.c.close(Date.now());
  vault.close();
  log.close();
  t.deepEqual(scan(dir, needles), []);
});

test('recover() after a power cut keeps every whole segment and cuts the torn one', async (t) => {
  const dir = tempDir(t);
  const first = openVault(dir);
  const { c, segs } = await record(first.vault, 3, 'crash', false);
  await c.abandonForTest();
  const path = join(dir, 'clips', `${c.clipId}.bcc`);
  const whole = readFileSync(path).length;
  const torn = Buffer.alloc(4 + 100, 7);
  torn.writeUInt32BE(8192 + 30, 0);
  appendFileSync(path, torn); // half-written fourth frame
  first.vault.close();
  first.log.close();
  // an orphan: file written, power lost before its index row
  await (await ClipWriter.create(join(dir, 'clips', '0a0a0a0a-orphan.bcc'), {
    meta: { clipId: '0a0a0a0a-orphan', deviceId: 'cam-7', startedAt: '2026-01-01T00:00:00.000Z' }, epochId: 'epoch-2026', publicKey: evidence.publicKey,
  })).abandon();

  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const rec = await vault.recover();
  t.deepEqual(rec.map((r) => r.state), ['truncated', 'truncated']);
  const mine = vault.list().find((x) => x.clipId === c.clipId)!;
  t.is(mine.state, 'truncated');
  const file = readFileSync(path);
  t.is(file.length, whole);
  t.is(mine.bytes, whole);
  t.is(mine.sha256, createHash('sha256').update(file).digest('hex'));
  t.throws(() => decryptBuffer(file, evidence.privateKey), { message: /^truncated: truncated after segment 2/ });
  const r = decryptBuffer(file, evidence.privateKey, { allowTruncated: true });
  t.deepEqual(r.plaintext, Buffer.concat(segs));
  t.true(vault.list().some((x) => x.clipId === '0a0a0a0a-orphan' && x.state === 'truncated'));
  const recLog = log.since(0).filter((e) => e.type === 'recover');
  t.is(recLog.length, 2);
  t.is(recLog.find((e) => e.data.clipId === c.clipId)?.data.cutBytes, 104);
  t.deepEqual(await vault.recover(), []);
});

/** Descriptors of this process open on files under `dir` (deleted ones included). */
function fdsUnder(dir: string): string[] {
  return readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } }).filter((l) => l.startsWith(dir));
}

test('READs keep one descriptor per clip, at most 4 clips open; a wipe leaves none on the wiped file', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const clips = [];
  for (let k = 0; k < 6; k++) clips.push((await record(vault, 2, `fd${k}`)).summary!);
  const clipFds = () => fdsUnder(join(dir, 'clips'));
  const base = clipFds().length;
  for (let off = 0; off < clips[0]!.bytes; off += 1000) await vault.readChunk(clips[0]!.clipId, off, 1000);
  t.is(clipFds().length, base + 1);
  for (const c of clips) await vault.readChunk(c.clipId, 0, 100);
  t.is(clipFds().length, base + 4);
  const last = clips[5]!;
  t.true(clipFds().some((l) => l.includes(last.clipId)));
  await vault.wipe(last.clipId, receiptFor(last));
  t.false(clipFds().some((l) => l.includes(last.clipId)), 'no descriptor keeps the wiped file');
  t.is(clipFds().length, base + 3);
});

test('wipe with a valid receipt erases the file bytes and the index row and returns a signed certificate', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const keep = await record(vault, 1, 'keep');
  const { c, summary } = await record(vault, 3, 'gone');
  const cipher = readFileSync(join(dir, 'clips', `${c.clipId}.bcc`));
  const receipt = receiptFor(summary!);
  const certDoc = await vault.wipe(c.clipId, receipt);
  const cert = openDocument<WipeCertificateBody>(certDoc, device.publicKey, 'wipe-certificate');
  t.is(cert.clipId, c.clipId);
  t.is(cert.sha256, summary!.sha256 ?? '');
  t.deepEqual(cert.steps, ['overwrite', 'fsync', 'unlink', 'fsync-dir', 'discard-unsupported', 'index-delete']);
  t.is(cert.receiptSha256, createHash('sha256').update(receipt.body).digest('hex'));
  t.is(cert.deviceId, 'cam-7');
  t.false(existsSync(join(dir, 'clips', `${c.clipId}.bcc`)));
  t.deepEqual(vault.list().map((x) => x.clipId), [keep.c.clipId]);
  // neither ciphertext nor the id remains in the clip store or the index db files
  // (the cleartext header metadata is shared with the kept clip, so look for the unique parts)
  const h = parseClipBuffer(cipher).header;
  const unique = [h.wrappedKey, h.mac, ...windows(cipher.subarray(h.headerLen), 64)];
  t.deepEqual(scan(join(dir, 'clips'), unique), []);
  // The index keeps only the signed certificate (until the dock has taken it: vault-wipe-certs.test.ts),
  // not the clip's row (its path is in the row only).
  const indexFiles = [join(dir, 'index.db'), join(dir, 'index.db-journal')].filter(existsSync);
  for (const f of indexFiles) t.is(readFileSync(f).indexOf(Buffer.from(`clips/${c.clipId}.bcc`)), -1, f);
  t.true(readFileSync(join(dir, 'index.db')).indexOf(Buffer.from(keep.c.clipId)) !== -1);
  const w = log.since(0).filter((e) => e.type === 'wipe');
  t.is(w.length, 1);
  t.is(w[0]!.data.clipId, c.clipId);
  t.true(log.verify().ok);
  // The same receipt again (the first answer lost): the same certificate; any other: no clip.
  t.deepEqual(await vault.wipe(c.clipId, receipt), certDoc);
  await t.throwsAsync(vault.wipe(c.clipId, receiptFor(summary!, { storedAt: new Date(0).toISOString() })), { message: /no clip/ });
});

test('wipe refuses forged, replayed, mismatched receipts and a clip still recording; the clip stays intact', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const a = await record(vault, 2, 'a');
  const b = await record(vault, 2, 'b');
  const live = await record(vault, 1, 'live', false);
  const sa = a.summary!;
  const forger = generateKeyPairSync('ed25519').privateKey;
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(sa, {}, forger)), { message: /signature does not verify/ });
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(b.summary!)), { message: /receipt is for clip/ });
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(sa, { sha256: b.summary!.sha256 ?? '' })), { message: /sha256 does not match/ });
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(sa, { bytes: sa.bytes + 1 })), { message: /bytes/ });
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(sa, { deviceId: 'cam-8' })), { message: /device cam-8/ });
  const tampered = { ...receiptFor(sa), body: receiptFor(sa).body.replace('central-1', 'central-2') };
  await t.throwsAsync(vault.wipe(a.c.clipId, tampered), { message: /signature/ });
  await t.throwsAsync(vault.wipe(live.c.clipId, receiptFor({ ...sa, clipId: live.c.clipId, sha256: 'x' })), { message: /still recording/ });
  await t.throwsAsync(vault.wipe(a.c.clipId, { ...receiptFor(sa), body: '' }), { message: /signature|malformed/ });
  t.deepEqual(vault.list().find((x) => x.clipId === a.c.clipId), sa);
  t.is(createHash('sha256').update(readFileSync(join(dir, 'clips', `${a.c.clipId}.bcc`))).digest('hex'), sa.sha256 ?? '');
  t.is(log.since(0).filter((e) => e.type === 'wipe').length, 0);
  await live.c.close(Date.now());
  t.is(store.publicKey.asymmetricKeyType, 'ed25519');
});

test('a camera without a device key refuses to wipe', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir, { deviceKey: null });
  t.teardown(() => (vault.close(), log.close()));
  const a = await record(vault, 1, 'a');
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(a.summary!)), { message: /no device key/ });
  t.is(vault.list().length, 1);
});

test('a file changed on flash after the receipt is not wiped', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const a = await record(vault, 1, 'a');
  const p = join(dir, 'clips', `${a.c.clipId}.bcc`);
  const buf = readFileSync(p);
  buf[buf.length - 1] ^= 1;
  (await import('node:fs')).writeFileSync(p, buf);
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(a.summary!)), { message: /no longer matches/ });
  t.true(existsSync(p));
});

test('recover() logs a fault and carries on when a recording clip file is missing', async (t) => {
  const dir = tempDir(t);
  const first = openVault(dir);
  const a = await record(first.vault, 1, 'x', false);
  await a.c.abandonForTest();
  const b = await record(first.vault, 2, 'y', false);
  await b.c.abandonForTest();
  first.vault.close();
  first.log.close();
  (await import('node:fs')).rmSync(join(dir, 'clips', `${a.c.clipId}.bcc`));
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const rec = await vault.recover();
  t.deepEqual(rec.map((r) => r.clipId), [b.c.clipId]);
  const fault = log.since(0).find((e) => e.type === 'fault');
  t.is(fault?.data.clipId, a.c.clipId);
  t.regex(String(fault?.data.message), /ENOENT/);
});

test('a wipe interrupted after it began is finished by the same receipt, and only that one', async (t) => {
  const dir = tempDir(t);
  const { vault, log } = openVault(dir);
  t.teardown(() => (vault.close(), log.close()));
  const a = await record(vault, 2, 'half');
  const receipt = receiptFor(a.summary!);
  // the state a power cut leaves mid-wipe: wipe marked in the index, file zeroed but not unlinked
  const idx = new IndexDb(join(dir, 'index.db'));
  idx.markWipe(a.c.clipId, createHash('sha256').update(receipt.body).digest('hex'));
  idx.close();
  const p = join(dir, 'clips', `${a.c.clipId}.bcc`);
  writeFileSync(p, Buffer.alloc(a.summary!.bytes));
  t.deepEqual(vault.list(), []);
  await t.throwsAsync(vault.readChunk(a.c.clipId, 0, 10), { message: /being wiped/ });
  await t.throwsAsync(vault.wipe(a.c.clipId, receiptFor(a.summary!, { storedAt: '2030-01-01T00:00:00.000Z' })), { message: /no longer matches/ });
  const cert = openDocument<WipeCertificateBody>(await vault.wipe(a.c.clipId, receipt), device.publicKey, 'wipe-certificate');
  t.deepEqual(cert.steps.slice(0, 3), ['overwrite', 'fsync', 'unlink']);
  t.false(existsSync(p));
});
