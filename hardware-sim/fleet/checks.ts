// After a fleet run: count what each camera recorded, what reached the central store hash-exact,
// what was wiped and against which receipt, and check the invariants of issue 6 from the files the
// components left behind (camera flash, dock spool, central blobs and index) — not from their word.
import Database from 'better-sqlite3';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { allClips } from '../../central-store/index/tables/clips.js';
import { allDeviceLogEntries } from '../../central-store/index/tables/device-log.js';
import { incidents as listIncidents } from '../../central-store/index/tables/ingest-incidents.js';
import { wipeCerts } from '../../central-store/index/tables/wipe-certificates.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FsBlobStore } from '../../central-store/blob/fs.js';
import { decryptClip } from '../../shared/clip/reader.js';
import { systemClock } from '../../shared/clock.js';
import { DeviceLog } from '../../firmware/device-log.js';
import type { DeviceLogEntry } from '../../shared/evidence.js';
import { scanForPlaintext } from './plaintext-scan.js';
import type { FleetPki } from './pki.js';
import type { Scenario } from './scenario.js';

/** cutAtMs is the camera time at the SIGKILL, known to ± uncertaintyMs (half the status round trip, scaled). */
export interface PowerCut { deviceId: string; clipId: string; cutAtMs: number; uncertaintyMs?: number; flashDir: string }

export interface CameraResult {
  deviceId: string;
  recorded: number;
  delivered: number;
  receipted: number;
  wiped: number;
  onCamera: number;
  lost: number;
  bytes: number;
}

export interface Invariant { name: string; ok: boolean; detail?: string }

export interface RunReport {
  scenario: string;
  seed: number;
  cameras: CameraResult[];
  totals: Omit<CameraResult, 'deviceId'> & { unreadable: number; duplicates: number; wipedWithoutReceipt: number; plaintextFindings: number; truncatedAtCentral: number };
  faults: { powerCuts: number; dockCrashes: number; brokerRestarts: number; centralCrashes: number; usbDetaches: number; flashNearlyFull: number; clockSkews: number };
  /** Cameras whose bay the dock had not finished (device log not collected) when the run moved on. */
  logsNotCollected: number;
  /** Seconds of video lost per power cut: cut time minus the end of the last durable segment. */
  secondsLostPerPowerCut: { max: number | null; mean: number | null; maxUncertainty: number | null };
  timing: { shiftSeconds: number; offloadSeconds: number; mbPerSec: number };
  invariants: Invariant[];
  ok: boolean;
  events?: string[];
}

interface CollectInput {
  sc: Scenario;
  root: string;
  pki: FleetPki;
  counts: RunReport['faults'];
  powerCuts: PowerCut[];
  events: string[];
  logsNotCollected?: number;
  cameras: { deviceId: string; flashDir: string }[];
  centralDir: string;
  dockDir: string;
  timing: { startedMs: number; shiftEndMs: number; offloadEndMs: number };
  /** Cameras given a nearly full flash or a skewed clock, and the sim clock they run on. */
  expect?: { flashNearlyFull: Map<string, number>; clockSkewMs: Map<string, number>; simEpochMs: number; speed: number };
}

const fileSha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

export async function collectReport(c: CollectInput): Promise<RunReport> {
  const inv: Invariant[] = [];
  // Read through the index port's owners, on a read-only connection (the central process has stopped).
  const ix = SqliteIndex.openReadOnly(path.join(c.centralDir, 'central.db'));
  const { rows, centralLog, certs, incidents } = await ix.tx(async (u) => ({
    rows: await allClips(u), centralLog: await allDeviceLogEntries(u), certs: await wipeCerts(u), incidents: await listIncidents(u),
  })).finally(() => ix.close());
  const logBroken = centralLog.filter((e) => !e.chainOk).length;
  const certsBad = certs.filter((w) => !w.receiptMatches || !w.signatureVerified).length;
  // Issue 11: every clip, certificate and log entry of the run is the cameras' own, so nothing is refused.
  const unsignedRows = rows.filter((r) => !r.camera_cert_sha256).length;
  // A camera deletes the log entries central acknowledged at its next docking (issue 19): what it no longer
  // holds, central does (each entry verified against the camera's chain at ingest).
  const central = new Map(rows.map((r) => [r.clip_id, r]));
  const blobs = new FsBlobStore(path.join(c.centralDir, 'blobs'));
  const epochKey = new Map(c.pki.epochs.map((e) => [e.epochId, e.privateKey]));

  // Central: every blob hash-exact and decryptable with its epoch key.
  let unreadable = 0;
  let truncatedAtCentral = 0;
  const centralOk = new Set<string>();
  const lastEnd = new Map<string, number>();
  for (const r of rows) {
    const file = blobs.pathOf(r.blob_key);
    if (!existsSync(file) || fileSha(file) !== r.sha256) { unreadable++; continue; }
    try {
      const st = decryptClip(file, epochKey.get(r.epoch_id)!, () => undefined, { allowTruncated: true });
      if (st.truncated) truncatedAtCentral++;
      if (st.lastEndMs !== null) lastEnd.set(r.clip_id, st.lastEndMs);
      centralOk.add(r.clip_id);
    } catch {
      unreadable++;
    }
  }

  const cameras: CameraResult[] = [];
  let wipedWithoutReceipt = 0;
  let deviceLogsOk = true;
  const flashFullSilent: string[] = [];
  const skewUnset: string[] = [];
  for (const cam of c.cameras) {
    const log = new DeviceLog({ path: path.join(cam.flashDir, 'device-log.db'), clock: systemClock });
    const own = log.since(0, 1_000_000);
    const firstOwn = own[0]?.seq ?? Infinity;
    const entries = [...centralLog.filter((r) => r.deviceId === cam.deviceId).map((r) => JSON.parse(r.entryJson) as DeviceLogEntry).filter((e) => e.seq < firstOwn), ...own];
    const skew = c.expect?.clockSkewMs.get(cam.deviceId);
    if (skew !== undefined) {
      const problem = skewProblem(entries, skew, c.expect!);
      if (problem) skewUnset.push(`${cam.deviceId}: ${problem}`);
    }
    if (!log.verify().ok) deviceLogsOk = false;
    log.close();
    const started = new Set(entries.filter((e) => e.type === 'record-start').map((e) => String(e.data.clipId)));
    const wipes = entries.filter((e) => e.type === 'wipe');
    for (const w of wipes) {
      const row = central.get(String(w.data.clipId));
      const receiptSha = row ? createHash('sha256').update((JSON.parse(row.receipt_json) as { body: string }).body, 'utf8').digest('hex') : null;
      if (!row || row.sha256 !== w.data.sha256 || receiptSha !== w.data.receiptSha256) wipedWithoutReceipt++;
    }
    // Still on the camera: indexed, not being wiped, file matching its recorded hash.
    const idx = new Database(path.join(cam.flashDir, 'index.db'), { readonly: true });
    const left = idx.prepare('SELECT clip_id, path, sha256, state, bytes FROM clips WHERE wipe_receipt IS NULL').all() as { clip_id: string; path: string; sha256: string | null; state: string; bytes: number }[];
    idx.close();
    const intact = new Set(left.filter((l) => l.sha256 && existsSync(path.join(cam.flashDir, l.path)) && fileSha(path.join(cam.flashDir, l.path)) === l.sha256).map((l) => l.clip_id));
    const mine = rows.filter((r) => r.device_id === cam.deviceId);
    const lost = [...started].filter((id) => !centralOk.has(id) && !intact.has(id));
    // A nearly full flash must have said so once its clips outgrew the room (a camera whose incidents
    // were cut short by power cuts may never have filled it).
    const fullAt = c.expect?.flashNearlyFull.get(cam.deviceId);
    const clipBytes = [...started].reduce((n, id) => n + (central.get(id)?.bytes ?? left.find((l) => l.clip_id === id)?.bytes ?? 0), 0);
    if (fullAt !== undefined && clipBytes >= fullAt && !entries.some((e) => e.type === 'fault' && e.data.kind === 'flash-full')) {
      flashFullSilent.push(`${cam.deviceId} (${clipBytes} clip bytes, full at ${fullAt})`);
    }
    cameras.push({
      deviceId: cam.deviceId, recorded: started.size, delivered: mine.filter((r) => centralOk.has(r.clip_id)).length,
      receipted: mine.length, wiped: wipes.length, onCamera: intact.size, lost: lost.length, bytes: mine.reduce((n, r) => n + r.bytes, 0),
    });
    if (lost.length) inv.push({ name: 'no clip lost', ok: false, detail: `${cam.deviceId}: ${lost.join(', ')}` });
  }

  // Power cuts: the torn clip is truncated and reaches to within ~1 s of the cut (plus one GOP).
  // A cut fails the bound only if the loss exceeds it even at the earliest moment the SIGKILL can have
  // landed (a loaded machine answers the status call late; that delay is not lost video).
  const lostSeconds: number[] = [];
  const surelyLost: number[] = [];
  const uncertainty: number[] = [];
  for (const pc of c.powerCuts) {
    const end = lastEnd.get(pc.clipId);
    if (end === undefined) continue;
    lostSeconds.push(Math.max(0, (pc.cutAtMs - end) / 1000));
    surelyLost.push(Math.max(0, (pc.cutAtMs - (pc.uncertaintyMs ?? 0) - end) / 1000));
    uncertainty.push((pc.uncertaintyMs ?? 0) / 1000);
  }
  const gopSeconds = 0.5;
  const maxLost = lostSeconds.length ? Math.max(...lostSeconds) : null;
  const maxSurelyLost = surelyLost.length ? Math.max(...surelyLost) : null;

  // No plaintext video and no private key bytes on any flash, spool or blob store.
  const secrets = c.pki.epochs.map((e) => e.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer);
  const scanned = [...c.cameras.map((x) => x.flashDir), path.join(c.dockDir, 'spool'), path.join(c.centralDir, 'blobs')].filter((d) => existsSync(d));
  const findings = scanned.flatMap((d) => scanForPlaintext(d, secrets));

  const sum = (k: keyof Omit<CameraResult, 'deviceId'>) => cameras.reduce((n, x) => n + x[k], 0);
  const duplicates = rows.length - new Set(rows.map((r) => r.clip_id)).size;
  inv.unshift(
    { name: 'every started clip is at central hash-exact or intact on its camera', ok: sum('lost') === 0, detail: `lost ${sum('lost')}` },
    { name: 'no clip wiped without a valid receipt', ok: wipedWithoutReceipt === 0 && certsBad === 0, detail: `${wipedWithoutReceipt} wipes, ${certsBad} certificates` },
    { name: 'no clip stored twice at central', ok: duplicates === 0 },
    { name: 'every clip at central decrypts', ok: unreadable === 0, detail: `unreadable ${unreadable}` },
    { name: 'power-cut clips reach to within 1 s + 1 GOP of the cut', ok: maxSurelyLost === null || maxSurelyLost <= 1 + gopSeconds,
      detail: `max ${maxLost?.toFixed(2) ?? '-'} s (at least ${maxSurelyLost?.toFixed(2) ?? '-'} s) over ${lostSeconds.length} cuts` },
    { name: 'no plaintext video or key bytes at rest', ok: findings.length === 0, detail: findings.slice(0, 3).map((f) => `${f.what} in ${f.file}`).join('; ') },
    { name: 'device logs verify (on cameras and as received centrally)', ok: deviceLogsOk && logBroken === 0 },
    {
      name: 'every stored clip sealed by its camera; nothing authentic refused (no ingest incident)', ok: unsignedRows === 0 && incidents.length === 0,
      detail: `${unsignedRows} unsigned rows; ${incidents.slice(0, 3).map((i) => `${i.kind} ${i.device_id} ${i.clip_id}: ${i.reason}`).join('; ')}`,
    },
  );
  if (c.expect?.flashNearlyFull.size) inv.push({ name: 'a camera whose flash filled logged the flash-full fault', ok: flashFullSilent.length === 0, detail: flashFullSilent.join(', ') });
  if (c.expect?.clockSkewMs.size) inv.push({ name: "a skewed camera's clock was set by the dock and logged", ok: skewUnset.length === 0, detail: skewUnset.join('; ') });
  const bytes = sum('bytes');
  const offloadSeconds = (c.timing.offloadEndMs - c.timing.shiftEndMs) / 1000;
  return {
    scenario: c.sc.name, seed: c.sc.seed, cameras,
    totals: {
      recorded: sum('recorded'), delivered: sum('delivered'), receipted: sum('receipted'), wiped: sum('wiped'), onCamera: sum('onCamera'), lost: sum('lost'),
      bytes, unreadable, duplicates, wipedWithoutReceipt, plaintextFindings: findings.length, truncatedAtCentral,
    },
    faults: c.counts,
    logsNotCollected: c.logsNotCollected ?? 0,
    secondsLostPerPowerCut: {
      max: maxLost, mean: lostSeconds.length ? lostSeconds.reduce((a, b) => a + b, 0) / lostSeconds.length : null,
      maxUncertainty: uncertainty.length ? Math.max(...uncertainty) : null,
    },
    timing: { shiftSeconds: (c.timing.shiftEndMs - c.timing.startedMs) / 1000, offloadSeconds, mbPerSec: offloadSeconds > 0 ? bytes / 1e6 / offloadSeconds : 0 },
    invariants: inv,
    ok: inv.every((i) => i.ok),
    ...(inv.every((i) => i.ok) ? {} : { events: c.events.slice(-40) }),
  };
}

/**
 * The dock's first SET_CLOCK on a skewed camera must be in its device log ('clock-set') and correct the
 * skew: the camera's time before it ('from') minus what the unskewed sim clock read at that moment
 * ('to', the dock's real time, scaled) is the skew, give or take line latency times the sim speed.
 */
export function skewProblem(entries: { type: string; data: Record<string, unknown> }[], skewMs: number, e: { simEpochMs: number; speed: number }): string | null {
  const set = entries.find((x) => x.type === 'clock-set');
  if (!set) return 'no clock-set in its device log';
  const from = Date.parse(String(set.data.from));
  const to = Date.parse(String(set.data.to));
  const seen = from - (e.simEpochMs + (to - e.simEpochMs) * e.speed);
  const tolerance = Math.max(15_000, Math.abs(skewMs) * 0.05);
  return Math.abs(seen - skewMs) <= tolerance ? null : `clock was off by ${seen} ms, expected ${skewMs} ms`;
}
