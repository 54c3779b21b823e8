// Protocol over an in-memory duplex pair: mutual auth, refusals, every request type.
import test from 'ava';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateKeyPairSync } from 'node:crypto';
import { openCameraSession, UntrustedDeviceError, type UntrustedDevice } from '../../dock-agent/serial/session.js';
import { duplexPair } from '../../hardware-sim/serial.js';
import { createCA, issueCertificate, signEpoch } from '../../shared/pki/ca.js';
import { signDocument, type EvidenceEpochBody } from '../../shared/evidence.js';
import { FrameLink, RpcClient } from '../../shared/wire/link.js';
import { ErrorCode, MsgType, WireError, encodeJson } from '../../shared/wire/messages.js';
import { FakeVault, makePki, startCamera } from './helpers.js';

const pki = makePki();
const rogueCa = createCA();
const rogueDock = issueCertificate({ role: 'dock', id: 'dock-1', ca: rogueCa });
const rogueCamera = issueCertificate({ role: 'camera', id: 'cam-evil', ca: rogueCa });
const epochKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
const epochBody = (id: string): EvidenceEpochBody => ({ v: 1, kind: 'evidence-epoch', epochId: id, publicKeyPem: epochKey, notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-02-01T00:00:00Z' });

function setup(t: { teardown(f: () => void): void }, vault = new FakeVault(), extra = {}) {
  const [dockEnd, camEnd] = duplexPair();
  const cam = startCamera(camEnd, pki, vault, extra);
  t.teardown(() => cam.close());
  return { dockEnd, camEnd, vault };
}

test('mutual auth succeeds; session lists, pulls, reads log, sets clock', async (t) => {
  const clock: number[] = [];
  const { dockEnd, vault } = setup(t, new FakeVault(), { onSetClock: (ms: number) => void clock.push(ms) });
  const data = vault.add('clip-a', 200_000);
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  t.is(s.deviceId, 'cam-7');
  const clips = await s.listClips();
  t.deepEqual(clips.map((c) => c.clipId), ['clip-a']);
  const dir = mkdtempSync(join(tmpdir(), 'wire-'));
  const progress: number[] = [];
  await s.pullClip(clips[0]!, join(dir, 'a.bin'), (n) => progress.push(n));
  t.true(readFileSync(join(dir, 'a.bin')).equals(data));
  t.is(progress.at(-1), 200_000);
  t.deepEqual((await s.fetchLog(1)).map((e) => e.seq), [2, 3]);
  await s.setClock(1_700_000_000_000);
  t.deepEqual(clock, [1_700_000_000_000]);
});

test('rogue dock (other CA) is refused and the camera answers nothing else', async (t) => {
  const events: string[] = [];
  const { dockEnd, vault } = setup(t, new FakeVault(), { onEvent: (type: string) => void events.push(type) });
  vault.add('clip-a', 1000);
  const err = await t.throwsAsync(openCameraSession({ line: dockEnd, identity: rogueDock, caCertPem: rogueCa.certPem, retries: 0 }));
  t.true(err instanceof WireError && err.code === ErrorCode.AUTH_FAILED, String(err));
  t.deepEqual(events, ['dock-auth-failed']);
  // Speaking the protocol directly, without auth: every request is refused, the vault is never touched.
  const rpc = new RpcClient(new FrameLink(dockEnd), { timeoutMs: 500, retries: 0 });
  for (const [type, body] of [[MsgType.LIST_CLIPS, {}], [MsgType.READ, { clipId: 'clip-a', offset: 0, length: 10 }], [MsgType.GET_LOG, { sinceSeq: 0 }], [MsgType.WIPE, { clipId: 'clip-a', receipt: { body: 'clip-a', sig: '', keyId: '' } }]] as const) {
    const e = await t.throwsAsync(rpc.request(type, encodeJson(body)));
    t.is((e as WireError).code, ErrorCode.AUTH_REQUIRED);
  }
  t.deepEqual(vault.calls, []);
});

test('a camera certificate as the dock identity is refused (role check)', async (t) => {
  const { dockEnd } = setup(t);
  const err = await t.throwsAsync(openCameraSession({ line: dockEnd, identity: pki.camera, caCertPem: pki.ca.certPem, retries: 0 }));
  t.is((err as WireError).code, ErrorCode.AUTH_FAILED);
});

test('untrusted camera is reported with its claimed identity and not trusted', async (t) => {
  const [dockEnd, camEnd] = duplexPair();
  const cam = startCamera(camEnd, { ...pki, camera: rogueCamera }, new FakeVault());
  t.teardown(() => cam.close());
  const reported: UntrustedDevice[] = [];
  const err = await t.throwsAsync(openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem, onEvent: (_ty, d) => void reported.push(d) }));
  t.true(err instanceof UntrustedDeviceError);
  t.is(reported.length, 1);
  t.is(reported[0]!.claimed.id, 'cam-evil');
  t.regex(reported[0]!.reason, /not issued by the organisation CA/);
});

test('wipe passes the receipt through to vault.wipe and returns its certificate; a refusal names the reason', async (t) => {
  const { dockEnd, vault } = setup(t);
  vault.add('clip-a', 100);
  vault.add('clip-b', 100);
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  const receipt = signDocument({ v: 1, kind: 'clip-receipt', clipId: 'clip-a' }, generateKeyPairSync('ed25519').privateKey);
  const cert = await s.wipe('clip-a', receipt);
  t.deepEqual(vault.wipes, [{ clipId: 'clip-a', receipt }]);
  t.is(JSON.parse(cert.body).kind, 'wipe-certificate');
  const e = await t.throwsAsync(s.wipe('clip-b', receipt));
  t.is((e as WireError).code, ErrorCode.WIPE_REFUSED);
  t.regex(e!.message, /another clip/);
  t.true(vault.clips.has('clip-b'));
});

test('WIPE_CERTS: every certificate the camera keeps, over several pages; a camera without it gives none', async (t) => {
  const key = generateKeyPairSync('ed25519').privateKey;
  const kept = Array.from({ length: 150 }, (_, i) => signDocument({ v: 1, kind: 'wipe-certificate', clipId: `c-${i}`, deviceId: 'cam-7' }, key));
  const asked: number[] = [];
  const vault = Object.assign(new FakeVault(), {
    wipeCertificatesKept: (skip: number, max: number) => { asked.push(skip); return kept.slice(skip, skip + max); },
  });
  const { dockEnd } = setup(t, vault);
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  t.deepEqual(await s.keptWipeCertificates(), kept);
  t.deepEqual(asked, [0, 64, 128]);
  const { dockEnd: other } = setup(t);
  const s2 = await openCameraSession({ line: other, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s2.close());
  t.deepEqual(await s2.keptWipeCertificates(), []);
});

test('epochs: CA-signed ones are stored in the trust dir; a forged one refuses the whole batch', async (t) => {
  const trustDir = mkdtempSync(join(tmpdir(), 'trust-'));
  const installed: string[] = [];
  const { dockEnd } = setup(t, new FakeVault(), { trustDir, onInstallEpochs: (l: { body: EvidenceEpochBody }[]) => void installed.push(...l.map((x) => x.body.epochId)) });
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  const good = signEpoch(epochBody('2026-01'), pki.ca.keyPem);
  const forged = signEpoch(epochBody('2026-02'), rogueCa.keyPem);
  const e = await t.throwsAsync(s.installEpochs([good, forged]));
  t.is((e as WireError).code, ErrorCode.EPOCH_REFUSED);
  t.regex(e!.message, /epochs\[1\]/);
  t.false(existsSync(join(trustDir, 'trust', 'epochs')));
  await s.installEpochs([good]);
  t.deepEqual(readdirSync(join(trustDir, 'trust', 'epochs')), ['2026-01.json']);
  t.deepEqual(installed, ['2026-01']);
});

test('firmware staging range and unknown types answer UNSUPPORTED after auth', async (t) => {
  const { dockEnd } = setup(t);
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem });
  t.teardown(() => s.close());
  // Reach under the session to send raw types on the same line.
  const rpc = new RpcClient(new FrameLink(dockEnd), { timeoutMs: 500, retries: 0 });
  for (const type of [0x40, 0x77]) {
    const e = await t.throwsAsync(rpc.request(type, encodeJson({})));
    t.is((e as WireError).code, ErrorCode.UNSUPPORTED);
  }
});

test('a WIPE whose response is lost is retransmitted and answered from the reply cache, wiping once', async (t) => {
  const { Duplex } = await import('node:stream');
  const [dockEnd, camEnd] = duplexPair();
  let dropNext = false;
  // Camera end wrapper: can swallow the camera's next write (its WIPE response).
  const camSide = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      if (dropNext) dropNext = false;
      else camEnd.write(chunk);
      cb();
    },
  });
  camEnd.on('data', (d: Buffer) => camSide.push(d));
  const vault = new FakeVault();
  vault.add('clip-a', 100);
  const cam = startCamera(camSide, pki, vault);
  t.teardown(() => cam.close());
  const s = await openCameraSession({ line: dockEnd, identity: pki.dock, caCertPem: pki.ca.certPem, timeoutMs: 200 });
  t.teardown(() => s.close());
  dropNext = true;
  const receipt = signDocument({ v: 1, kind: 'clip-receipt', clipId: 'clip-a' }, generateKeyPairSync('ed25519').privateKey);
  const cert = await s.wipe('clip-a', receipt);
  t.is(JSON.parse(cert.body).clipId, 'clip-a');
  t.is(vault.wipes.length, 1);
  t.is(vault.calls.filter((c) => c === 'wipe').length, 1);
  t.true(s.stats.retransmits >= 1);
});
