// The demo's second half on a real 1-camera shift: the evidence office works through the store's HTTP
// API on the shift's central data, and what it reports is checked again from the files it left.
// A copy of the same data with damaged blobs shows the office reports failure instead of success.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteIndex } from '../../central-store/index/sqlite.js';
import { allClips } from '../../central-store/index/tables/clips.js';
import { entriesSince } from '../../central-store/index/tables/access-log.js';
import { getHold } from '../../central-store/index/tables/holds.js';
import { deletionReceiptDocs } from '../../central-store/index/tables/deletion-receipts.js';
import { readIndexFile } from '../helpers/index-read.js';
import { runEvidenceOffice, USERS, type OfficeReport } from '../../hardware-sim/evidence-office.js';
import { HOLD } from '../../hardware-sim/office-log.js';
import { runScenario } from '../../hardware-sim/fleet/runner.js';
import { parseScenario } from '../../hardware-sim/fleet/scenario.js';
import { scanForPlaintext } from '../../hardware-sim/fleet/plaintext-scan.js';

const ffmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const sevenZip = spawnSync('7z', ['--help'], { stdio: 'ignore' }).error === undefined;
const files = (dir: string) => existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()) : [];

test('after a 1-camera shift the office searches, views, holds, exports, retention keeps only the held clip, the log verifies', async (t) => {
  const keep = mkdtempSync(path.join(os.tmpdir(), 'office-test-'));
  t.teardown(() => rmSync(keep, { recursive: true, force: true }));
  let office: OfficeReport | undefined, damaged: OfficeReport | undefined;
  let secrets: Buffer[] = [];
  const sc = parseScenario({
    name: 'office', seed: 21, cameras: 1, prerecordSeconds: 2, incidentsPerCamera: 2, incidentSeconds: [2, 3], gapSeconds: [0.5, 1],
    bitrate: 400_000, source: ffmpeg ? 'ffmpeg' : 'synthetic', speed: ffmpeg ? 1 : 5,
  });
  const report = await runScenario(sc, {
    keepDir: keep, timeoutMs: 60_000,
    afterChecks: async ({ root, centralDir, pki, report: r }) => {
      // A damaged copy first (the first 4 KiB of every blob overwritten), then the real data.
      const copy = path.join(root, 'central-damaged');
      cpSync(centralDir, copy, { recursive: true });
      for (const f of files(path.join(copy, 'blobs', 'blobs'))) writeFileSync(path.join(f.parentPath, f.name), Buffer.alloc(4096, 0xa5), { flag: 'r+' });
      const deviceIds = r.cameras.map((c) => c.deviceId);
      damaged = await runEvidenceOffice({ centralDir: copy, pki, deviceIds, realVideo: sc.source === 'ffmpeg' });
      office = await runEvidenceOffice({ centralDir, pki, deviceIds, realVideo: sc.source === 'ffmpeg' });
      secrets = [...pki.epochs.map((e) => e.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer), pki.receiptKey.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer];
    },
  });
  t.true(report.ok, JSON.stringify(report.invariants.filter((i) => !i.ok)));
  t.true(report.totals.delivered >= 2);
  const o = office!;
  t.true(o.ok, o.failures.join('\n'));
  t.deepEqual(o.failures, []);
  t.is(o.clipsFound, report.totals.delivered);
  t.true(o.viewedBytes > 0 && o.viewedBytes % 188 === 0);
  if (ffmpeg) t.true(o.probed?.some((s) => s.startsWith('video:')), String(o.probed));
  t.is(o.exported.clips, 1);
  t.true(o.exported.packageBytes > o.viewedBytes);
  if (sevenZip) { t.is(o.exported.opensWithPassword, true); t.is(o.exported.refusedWithout, true); }
  t.is(o.retention.deleted, o.clipsFound - 1);
  t.is(o.retention.receipts, o.retention.deleted);
  t.true(o.retention.heldKept);
  t.true(o.accessLog.verified);

  // From the files: one blob left (the held clip's), one index row, a receipt per deletion, the log's steps.
  const central = path.join(keep, 'central');
  t.is(files(path.join(central, 'store', 'blobs')).length, 1);
  // The index read through its owners, read-only (the store process is done with it).
  const ix = SqliteIndex.openReadOnly(path.join(central, 'central.db'));
  t.teardown(() => ix.close());
  t.deepEqual((await ix.tx((u) => allClips(u))).map((x) => x.clip_id), [o.held]);
  t.like(await ix.tx((u) => getHold(u, o.held!)), { caseNumber: HOLD.caseNumber });
  t.is((await readIndexFile(path.join(central, 'receipts.db'), (u) => deletionReceiptDocs(u))).length, o.retention.deleted);
  const acts = (await ix.tx((u) => entriesSince(u, 0))).filter((e) => e.outcome === 'ok');
  for (const [user, action] of [[USERS.officer, 'search'], [USERS.officer, 'view'], [USERS.officer, 'hold'], [USERS.officer, 'export'], [USERS.admin, 'retention-run'], [USERS.auditor, 'log-verify']]) {
    t.true(acts.some((a) => a.user === user && a.action === action), `${user} ${action} in the access log`);
  }
  t.true(o.accessLog.entries >= 15);
  // Nothing the office wrote holds plaintext video or a private key (the export is AES-encrypted).
  t.is(files(path.join(central, 'exports')).length, 1);
  t.deepEqual(scanForPlaintext(central, secrets), []);

  const d = damaged!;
  t.false(d.ok);
  t.regex(d.failures.join('\n'), /video/);
  t.is(d.retention.heldKept, false);
});
