// The evidence office after the shift (the demo's second half): the central store opened over the
// run's central data exactly as the server wires it (store-context.ts), used by people through the
// real HTTP API (api.ts → operations.ts). An administrator creates an evidence officer and an auditor;
// the officer searches, views, holds and exports; retention runs 15 days later; the auditor verifies
// the access log. Every outcome is checked from outside (files, signatures, ffprobe, 7-Zip).
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApi } from '../central-store/api.js';
import { parseStoreConfig, storePaths } from '../central-store/config.js';
import { verifyDeletionReceipt, type DeletionReceipt } from '../central-store/evidence.js';
import { sealSigningKey } from '../central-store/signing-key.js';
import { FsBlobStore } from '../central-store/blob/fs.js';
import { allClips } from '../central-store/index/tables/clips.js';
import { openStoreContext } from '../central-store/store-context.js';
import { createLogger } from '../shared/log.js';
import type { FleetPki } from './fleet/pki.js';
import { apiClient, hasTool, looksLikeTs, probeStreams, sevenZipTests } from './office-tools.js';
import { EXPORT, HOLD, USERS, expectedLog, missingFromLog } from './office-log.js';

export { EXPORT, HOLD, USERS } from './office-log.js';

export interface OfficeReport {
  ok: boolean;
  /** What did not hold, one line each (empty when ok). */
  failures: string[];
  clipsFound: number;
  viewedBytes: number;
  /** Codec types ffprobe found in the viewed clip; null when not probed (no ffprobe, or synthetic pictures). */
  probed: string[] | null;
  held: string | null;
  exported: { clips: number; packageBytes: number; opensWithPassword: boolean | null; refusedWithout: boolean | null };
  retention: { deleted: number; receipts: number; heldKept: boolean; epochKeysDestroyed: number };
  accessLog: { entries: number; verified: boolean };
}

export interface OfficeOptions {
  centralDir: string;
  pki: FleetPki;
  /** Cameras of the shift: the officer searches each one's clips. */
  deviceIds: string[];
  /** The pictures are real video (ffmpeg source), so ffprobe must find a video stream. */
  realVideo: boolean;
  say?: (line: string) => void;
  /** The run's kept directory (demo --keep): the store's master key, the officer's password and a store
   *  config go there so `bodycam store` can open the kept store afterwards (docs/fleet-sim.md). */
  keepDir?: string;
}

const DAY = 86_400_000;
const STORE_ID = 'central-sim';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function runEvidenceOffice(o: OfficeOptions): Promise<OfficeReport> {
  const say = o.say ?? (() => undefined);
  const r: OfficeReport = {
    ok: false, failures: [], clipsFound: 0, viewedBytes: 0, probed: null, held: null,
    exported: { clips: 0, packageBytes: 0, opensWithPassword: null, refusedWithout: null },
    retention: { deleted: 0, receipts: 0, heldKept: false, epochKeysDestroyed: 0 },
    accessLog: { entries: 0, verified: false },
  };
  try { await office(o, r, say); } catch (err) { r.failures.push(`office: ${(err as Error).message}`); }
  r.ok = r.failures.length === 0;
  return r;
}

async function office(o: OfficeOptions, r: OfficeReport, say: (line: string) => void): Promise<void> {
  const check = (cond: boolean, what: string) => { if (!cond) r.failures.push(what); return cond; };

  // The fleet's ingest keeps blobs in blobs/ (checks.ts reads them there); the server's layout calls
  // that directory store/. Its receipt key becomes the store's signing key, sealed as the server keeps it.
  const config = parseStoreConfig({ storeId: STORE_ID, dataDir: o.centralDir, mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'unused', certPath: 'unused', keyPath: 'unused' } } /* no MQTT here */ });
  const paths = storePaths(config);
  if (existsSync(path.join(o.centralDir, 'blobs')) && !existsSync(paths.blobs)) await rename(path.join(o.centralDir, 'blobs'), paths.blobs);
  const master = randomBytes(32);
  const pw = { admin: randomBytes(18).toString('base64url'), officer: randomBytes(18).toString('base64url'), auditor: randomBytes(18).toString('base64url') };
  if (o.keepDir) await keepForLater(o.keepDir, master, pw.officer);
  await sealSigningKey(paths.signingKey, paths.signingPub, master, o.pki.receiptKey.privateKey);
  let offset = 0;
  const now = () => Date.now() + offset;
  const ctx = await openStoreContext(config, { masterKey: async () => master, now });
  const api = createApi({ ops: ctx.ops, exportsDir: paths.exports, log: createLogger('office-api') });
  try {
    const evidence = await ctx.evidence();
    for (const e of o.pki.epochs) {
      await evidence.keys.importEpoch({ epochId: e.epochId, privateKey: e.privateKey, notBefore: new Date(e.notBefore).toISOString(), notAfter: new Date(e.notAfter).toISOString() });
    }
    const port = await api.listen(0, '127.0.0.1');
    const { must, login } = apiClient(`http://127.0.0.1:${port}`);
    say(`office: store opened over the shift's central data (${o.pki.epochs.length} epoch keys imported, sealed under a fresh master key${o.keepDir ? ' kept in keys/store-master.key' : ' never written'}), API on 127.0.0.1:${port}`);

    // People: the bootstrap command makes the first administrator, who creates the others.
    await ctx.ops.bootstrapAdmin(USERS.admin, pw.admin);
    const admin = await login(USERS.admin, pw.admin);
    await must('POST', '/users', { token: admin, body: { username: USERS.officer, role: 'evidence-officer', password: pw.officer } });
    await must('POST', '/users', { token: admin, body: { username: USERS.auditor, role: 'auditor', password: pw.auditor } });
    say(`office: administrator ${USERS.admin} bootstrapped; created ${USERS.officer} (evidence-officer) and ${USERS.auditor} (auditor)`);

    // The officer: search each camera's clips, view one, hold it, export it for the police.
    const officer = await login(USERS.officer, pw.officer);
    const found: string[] = [];
    for (const d of o.deviceIds) {
      const clips = (await must('GET', `/clips?deviceId=${encodeURIComponent(d)}`, { token: officer })).json.clips as { clipId: string; deviceId: string }[];
      check(clips.every((c) => c.deviceId === d), `search by ${d} returned another camera's clip`);
      found.push(...clips.map((c) => c.clipId));
    }
    r.clipsFound = found.length;
    say(`office: ${USERS.officer} searched ${o.deviceIds.length} cameras: ${found.length} clips`);
    if (!check(found.length > 0, 'no clips found at the store')) return;
    const clipId = found[0]!;
    const video = (await must('GET', `/clips/${encodeURIComponent(clipId)}/video`, { token: officer })).bytes;
    r.viewedBytes = video.length;
    check(looksLikeTs(video), `viewed clip ${clipId} is not MPEG-TS (0x47 every 188 bytes)`);
    if (o.realVideo && hasTool('ffprobe', '-version')) {
      r.probed = await probeStreams(video);
      check(r.probed.some((s) => s.startsWith('video:')), `ffprobe found no video stream in ${clipId} (${r.probed.join(', ') || 'nothing'})`);
    }
    say(`office: viewed ${clipId}: ${video.length} bytes of MPEG-TS${r.probed ? `, ffprobe: ${r.probed.join(', ')}` : ''}`);
    const held = (await must('POST', `/clips/${encodeURIComponent(clipId)}/hold`, { token: officer, body: HOLD })).json as { hold: { caseNumber: string } | null };
    if (check(held.hold?.caseNumber === HOLD.caseNumber, `hold on ${clipId} not shown on the clip`)) r.held = clipId;
    say(`office: hold placed on ${clipId} (case ${HOLD.caseNumber})`);
    const ex = (await must('POST', '/exports', { token: officer, body: { clipIds: [clipId], ...EXPORT } })).json as { path: string; password: string; sha256: string; clips: string[] };
    const pkg = readFileSync(ex.path);
    r.exported.clips = ex.clips.length;
    r.exported.packageBytes = pkg.length;
    check(sha(pkg) === ex.sha256, 'export package hash differs from the one reported');
    if (hasTool('7z', '--help')) {
      r.exported.opensWithPassword = await sevenZipTests(ex.path, ex.password);
      r.exported.refusedWithout = !(await sevenZipTests(ex.path, ''));
      check(r.exported.opensWithPassword, '7z t with the password failed');
      check(r.exported.refusedWithout, '7z t opened the package without the password');
    }
    say(`office: police export ${EXPORT.journalNumber}: ${pkg.length} bytes${r.exported.opensWithPassword === null ? ' (7z not installed: not tested)' : `, 7z opens it with the password: ${r.exported.opensWithPassword ? 'yes' : 'NO'}, without: ${r.exported.refusedWithout ? 'refused' : 'OPENED'}`}`);

    // Retention, 15 days on: every clip but the held one goes, each with a receipt.
    const fsBlobs = ctx.blobs;
    if (!(fsBlobs instanceof FsBlobStore)) throw new Error('the office demo checks blob files on disk: it needs the fs blob store');
    const blobOf = new Map((await ctx.index.tx((u) => allClips(u))).map((x) => [x.clip_id, fsBlobs.pathOf(x.blob_key)]));
    offset += 15 * DAY;
    const run = (await must('POST', '/retention/run', { token: admin })).json as { deleted: DeletionReceipt[]; epochKeysDestroyed: string[] };
    r.retention.deleted = run.deleted.length;
    r.retention.epochKeysDestroyed = run.epochKeysDestroyed.length;
    const deleted = new Set(run.deleted.map((d) => d.clipId));
    const shouldGo = [...blobOf.keys()].filter((id) => id !== clipId);
    check(shouldGo.every((id) => deleted.has(id)) && !deleted.has(clipId), `retention deleted ${[...deleted].join(', ')}; expected every clip but ${clipId}`);
    check([...deleted].every((id) => !existsSync(blobOf.get(id) ?? '')), 'a deleted clip\'s blob is still on disk');
    const auditor = await login(USERS.auditor, pw.auditor);
    const receipts = (await must('GET', '/deletion-receipts', { token: auditor })).json.receipts as DeletionReceipt[];
    const pub = createPublicKey(readFileSync(paths.signingPub));
    r.retention.receipts = receipts.filter((x) => {
      try { const b = verifyDeletionReceipt(x.doc, pub); return deleted.has(b.clipId); } catch { return false; }
    }).length;
    check(r.retention.receipts === deleted.size, `${r.retention.receipts} verifying deletion receipts for ${deleted.size} deletions`);
    const again = (await must('GET', `/clips/${encodeURIComponent(clipId)}/video`, { token: officer })).bytes;
    r.retention.heldKept = existsSync(blobOf.get(clipId)!) && sha(again) === sha(video);
    check(r.retention.heldKept, `held clip ${clipId} does not open as before after retention`);
    const left = (await must('GET', '/clips', { token: officer })).json.clips as { clipId: string }[];
    check(left.length === 1 && left[0]!.clipId === clipId, `after retention the store lists ${left.length} clips`);
    say(`office: +15 days: retention deleted ${deleted.size} clips (${r.retention.receipts} receipts verify, ${run.epochKeysDestroyed.length} epoch key${run.epochKeysDestroyed.length === 1 ? '' : 's'} destroyed); held ${clipId} still opens`);

    // The auditor: authorisation review, then the chain of the access log.
    const review = (await must('GET', '/review', { token: auditor })).json as { users: { username: string; role: string }[] };
    check(review.users.length === 3 && review.users.some((u) => u.username === USERS.officer && u.role === 'evidence-officer'), 'review report does not list the three users');
    const verify = (await must('GET', '/access-log/verify', { token: auditor })).json as { ok: boolean; entries: number };
    r.accessLog = { entries: verify.entries, verified: verify.ok };
    check(verify.ok, 'access log chain does not verify');
    const missing = missingFromLog(await ctx.log.entries(), expectedLog({ deviceIds: o.deviceIds, clipId }));
    check(missing.length === 0, `access log lacks: ${missing.join('; ')}`);
    say(`office: ${USERS.auditor}: review lists ${review.users.length} users; access log ${verify.entries} entries, chain ${verify.ok ? 'verified' : 'BROKEN'}; ${missing.length ? `${missing.length} steps MISSING` : 'every step logged with user, action and criterion'}`);
  } finally {
    await api.close();
    await ctx.close();
    master.fill(0);
  }
}

/** What opening the kept store takes: its config (absolute paths), master key and the officer's password (0600). */
async function keepForLater(dir: string, master: Buffer, officerPassword: string): Promise<void> {
  const abs = path.resolve(dir);
  const masterKeyFile = path.join(abs, 'keys', 'store-master.key');
  await writeFile(masterKeyFile, `${master.toString('hex')}\n`, { mode: 0o600 });
  await writeFile(path.join(abs, 'keys', `${USERS.officer}.password`), `${officerPassword}\n`, { mode: 0o600 });
  // The kept store is opened by the CLI only; MQTT settings are required by the schema but unused here.
  const config = { storeId: STORE_ID, dataDir: path.join(abs, 'central'), mqtt: { url: 'mqtts://127.0.0.1:8883', tls: { caPath: 'keys/mqtt-ca.pem', certPath: 'keys/mqtt-central.cert.pem', keyPath: 'keys/mqtt-central.key.pem' } }, masterKeyFile };
  await writeFile(path.join(abs, 'central-store.json'), `${JSON.stringify(config, null, 2)}\n`);
}
