// What verifying the camera's signature costs the central ingest per clip (issue 11), in the same run:
// the ingest always hashed the assembled file (SHA-256 against the meta) and read its header; now it
// also walks the file checking the chain and every checkpoint (shared/clip/signature.ts verifyClipFile)
// and verifies two certificates and the dock's signature. Baseline = the hash alone, as before (on a
// worker thread); with verification = the signature walk, whose own SHA-256 of every byte is the hash
// finalize checks (no second hash), plus the certificates. Wall time and CPU time are both printed.
// Usage: tsx test/bench/ingest-verify.bench.ts [--mb 100] [--clips 4]
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFileOffThread } from '../../central-store/hash-pool.js';
import { verifyClipFile } from '../../shared/clip/signature.js';
import { signDockAuth, verifyDockAuth } from '../../shared/mqtt/dock-auth.js';
import { buildSignedClip, cameraCertB64, cameraIdentity, dockIdentity, testCa } from '../helpers/pki.js';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const mb = arg('--mb', 100);
const n = arg('--clips', 4);
const dir = mkdtempSync(join(tmpdir(), 'ingest-verify-'));
try {
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const { data } = buildSignedClip(mb * 1e6, { deviceId: 'cam-bench', segmentBytes: 1_000_000 });
    const f = join(dir, `${i}.bcc`);
    writeFileSync(f, data);
    files.push(f);
  }
  const camKey = createPublicKey(cameraIdentity('cam-bench').certPem);
  const auth = signDockAuth(dockIdentity('dock-1'), 'upload', ['dock-1', 'c', 1, 'x', 1], cameraCertB64('cam-bench'));
  let hashS = 0;
  let verifyS = 0;
  let authS = 0;
  let hashCpuS = 0;
  let verifyCpuS = 0;
  // Alternate per clip so caches treat both alike; each file is read once warm before timing.
  for (const f of files) await hashFileOffThread(f);
  for (let round = 0; round < 3; round++) {
    for (const f of files) {
      let t0 = process.hrtime.bigint();
      let c0 = process.cpuUsage();
      await hashFileOffThread(f); // process.cpuUsage counts the worker thread too
      hashS += Number(process.hrtime.bigint() - t0) / 1e9;
      let c = process.cpuUsage(c0); hashCpuS += (c.user + c.system) / 1e6;
      t0 = process.hrtime.bigint();
      c0 = process.cpuUsage();
      const facts = await verifyClipFile(f, camKey);
      if (!/^[0-9a-f]{64}$/.test(facts.sha256)) throw new Error('the walk did not report the file hash');
      verifyS += Number(process.hrtime.bigint() - t0) / 1e9;
      c = process.cpuUsage(c0); verifyCpuS += (c.user + c.system) / 1e6;
      t0 = process.hrtime.bigint();
      verifyDockAuth(auth, 'upload', ['dock-1', 'c', 1, 'x', 1], 'dock-1', { caCertPem: testCa().certPem });
      authS += Number(process.hrtime.bigint() - t0) / 1e9;
    }
  }
  const total = 3 * n * mb;
  console.log(JSON.stringify({
    clips: n, clipMB: mb, rounds: 3,
    hashOnlyMBps: +(total / hashS).toFixed(1),
    verifyWalkMBps: +(total / (verifyS + authS)).toFixed(1),
    ratioWithVerificationToWithout: +(hashS / (verifyS + authS)).toFixed(3),
    cpuSecondsPer200MB: { hashOnly: +(hashCpuS * 200 / total).toFixed(2), verifyWalk: +(verifyCpuS * 200 / total).toFixed(2) },
    certificatesAndDockSignatureMsPerMeta: +((authS / (3 * n)) * 1000).toFixed(2),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
