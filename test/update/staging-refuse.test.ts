// Firmware staging refusals over @serialport/binding-mock ports: bad bundles are refused with their
// reason and leave the slots as they were; bad messages get a NAK naming the field and lose nothing;
// peers that are not an authenticated dock or technician get nothing.
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCameraSession } from '../../dock-agent/serial/session.js';
import { openMockPair } from '../../hardware-sim/serial.js';
import { FrameLink, RpcClient } from '../../shared/wire/link.js';
import { FwMsg, encodeFwWrite } from '../../shared/wire/fw-messages.js';
import { FirmwareClient } from '../../shared/wire/fw-transfer.js';
import { ErrorCode, MsgType, WireError, encodeJson } from '../../shared/wire/messages.js';
import { generateKeyPairSync } from 'node:crypto';
import { bundleHeader, makeBundle, makeCamera, makeFwPki, sha256File, type FwCamera } from './fw-fixtures.js';

const pki = makeFwPki();
type T = { teardown(f: () => Promise<void> | void): void };

async function docked(t: T, camera: FwCamera, as: 'dock' | 'technician' = 'dock') {
  const [dock, cam] = await openMockPair();
  t.teardown(() => dock.closeLine());
  t.teardown(() => cam.closeLine());
  const link = camera.start(cam);
  t.teardown(() => link.close());
  const s = await openCameraSession({ line: dock, identity: as === 'dock' ? pki.dock : pki.technician, caCertPem: pki.ca.certPem, role: as });
  t.teardown(() => s.close());
  return { s, fw: new FirmwareClient(s.rpc), dock };
}

const code = (err: unknown) => (err as WireError).code;

test('a tampered bundle is refused at commit with the reason; the running slot is untouched', async (t) => {
  const camera = makeCamera(pki, 'cam-31');
  const { fw } = await docked(t, camera);
  const good = makeBundle(pki, '1.0.0', { bytes: 60_000 });
  await fw.commit((await fw.stage(good.path, good.header)).sha256);
  await camera.markGood(); // the new version passed its health checks on its trial boot
  const before = camera.status();
  const slotFile = join(camera.slotsDir, before.active, 'firmware.js');
  const slotBytes = readFileSync(slotFile);

  const bad = makeBundle(pki, '1.1.0', { bytes: 60_000 });
  const bytes = readFileSync(bad.path);
  bytes[bytes.length - 100] ^= 0x01; // one bit in the payload; header and signature intact
  writeFileSync(bad.path, bytes);
  const staged = await fw.stage(bad.path, bad.header);
  const err = await t.throwsAsync(fw.commit(staged.sha256), { instanceOf: WireError });
  t.is(code(err), ErrorCode.FW_REFUSED);
  t.regex(err!.message, /tampered/);
  const after = camera.status();
  t.deepEqual({ active: after.active, version: after.version }, { active: before.active, version: '1.0.0' });
  t.true(readFileSync(slotFile).equals(slotBytes));
  const last = await fw.lastResult();
  t.like(last, { outcome: 'refused', version: '1.1.0' });
  t.regex(last!.reason!, /tampered/);
});

test('forged, wrong-hardware and older bundles are refused at FW_BEGIN before any byte is accepted', async (t) => {
  const camera = makeCamera(pki, 'cam-32');
  const { fw } = await docked(t, camera);
  const cases: [string, ReturnType<typeof makeBundle>, RegExp][] = [
    ['forged', makeBundle(pki, '9.0.0', { key: generateKeyPairSync('ed25519').privateKey }), /untrusted-key/],
    ['unsigned', makeBundle(pki, '9.0.0', { key: null }), /unsigned/],
    ['wrong hardware', makeBundle(pki, '9.0.0', { hardware: 'other-board' }), /wrong-hardware/],
    ['not newer', makeBundle(pki, '0.0.0'), /not-newer/],
  ];
  for (const [name, b, reason] of cases) {
    const err = await t.throwsAsync(fw.stage(b.path, b.header), { instanceOf: WireError }, name);
    t.is(code(err), ErrorCode.FW_REFUSED, name);
    t.regex(err!.message, reason, name);
  }
  t.false(existsSync(join(camera.flashDir, 'update', 'staging.bin')), 'no data was accepted');
  t.is((await fw.status()).staged, null);
  const refused = camera.log.since(0).filter((e) => e.type === 'fw-flash');
  t.is(refused.length, 4);
  t.true(refused.every((e) => e.data.outcome === 'refused' && typeof e.data.reason === 'string'));
});

test('bad FW_ messages get a NAK naming the field and lose nothing staged', async (t) => {
  const camera = makeCamera(pki, 'cam-33', { maxBytes: 1_000_000 });
  const { s, fw } = await docked(t, camera);
  const rq = (type: number, p: Buffer) => s.rpc.request(type, p);
  const refuse = async (p: Promise<unknown>, c: number, re: RegExp) => {
    const err = await t.throwsAsync(p, { instanceOf: WireError });
    t.is(code(err), c, err?.message);
    t.regex(err!.message, re);
  };
  await refuse(rq(FwMsg.FW_WRITE, encodeFwWrite(0, Buffer.from('x'))), ErrorCode.BAD_REQUEST, /FW_BEGIN first/);
  const b = makeBundle(pki, '1.0.0', { bytes: 50_000 });
  const bytes = readFileSync(b.path);
  const sha = sha256File(b.path);
  const begin = (o: object) => rq(FwMsg.FW_BEGIN, encodeJson({ size: bytes.length, sha256: sha, header: b.header.toString('base64'), ...o }));
  await refuse(begin({ size: 2_000_000 }), ErrorCode.RANGE, /size: .*limit/);
  await refuse(begin({ sha256: 'nope' }), ErrorCode.BAD_REQUEST, /sha256/);
  await refuse(begin({ header: '***' }), ErrorCode.BAD_REQUEST, /header/);
  await begin({});
  await rq(FwMsg.FW_WRITE, encodeFwWrite(0, bytes.subarray(0, 10_000)));
  await refuse(rq(FwMsg.FW_WRITE, encodeFwWrite(20_000, bytes.subarray(20_000, 30_000))), ErrorCode.RANGE, /offset: 20000 would leave a gap after the 10000/);
  await refuse(rq(FwMsg.FW_WRITE, encodeFwWrite(9_000, Buffer.alloc(45_000))), ErrorCode.RANGE, /past the declared size/);
  await refuse(rq(FwMsg.FW_WRITE, Buffer.alloc(8)), ErrorCode.BAD_REQUEST, /at least 1 data byte/);
  await refuse(rq(FwMsg.FW_COMMIT, encodeJson({ sha256: 'a'.repeat(64) })), ErrorCode.BAD_REQUEST, /not the bundle being staged/);
  await refuse(rq(FwMsg.FW_COMMIT, encodeJson({ sha256: sha })), ErrorCode.RANGE, /10000 of \d+ bytes staged/);
  t.is((await fw.status()).staged?.have, 10_000, 'the staged prefix survived every refusal');
  const staged = await fw.stage(b.path, b.header);
  t.is(staged.resumedFrom, 10_000);
  t.is((await fw.commit(sha)).version, '1.0.0');
  t.deepEqual(camera.installed, [sha]);
});

test('no authentication, a camera certificate, or a technician asking for clips: nothing', async (t) => {
  const camera = makeCamera(pki, 'cam-34');
  camera.vault.add('clip-1', 1000);
  // No HELLO/AUTH at all.
  const [dock, cam] = await openMockPair();
  t.teardown(() => dock.closeLine());
  t.teardown(() => cam.closeLine());
  const link = camera.start(cam);
  t.teardown(() => link.close());
  const raw = new RpcClient(new FrameLink(dock), { timeoutMs: 1000, retries: 2 });
  const b = makeBundle(pki, '1.0.0', { bytes: 10_000 });
  for (const type of [FwMsg.FW_STATUS, FwMsg.FW_BEGIN, FwMsg.FW_RESULT]) {
    const err = await t.throwsAsync(raw.request(type, encodeJson({ size: 10, sha256: sha256File(b.path), header: bundleHeader(b.path).toString('base64') })), { instanceOf: WireError });
    t.is(code(err), ErrorCode.AUTH_REQUIRED);
  }
  raw.link.detach();
  // A camera's certificate presented as the requester.
  const imposter = openCameraSession({ line: dock, identity: pki.camera('cam-99'), caCertPem: pki.ca.certPem });
  t.is(code(await t.throwsAsync(imposter, { instanceOf: WireError })), ErrorCode.AUTH_FAILED);
  t.false(existsSync(join(camera.flashDir, 'update', 'staging.json')));
  // A technician: firmware (and SET_CLOCK, docs/wire-protocol.md 4.1) yes, clips and the log no.
  const tech = await openCameraSession({ line: dock, identity: pki.technician, caCertPem: pki.ca.certPem, role: 'technician' });
  t.teardown(() => tech.close());
  for (const [type, body] of [[MsgType.LIST_CLIPS, {}], [MsgType.READ, { clipId: 'clip-1', offset: 0, length: 10 }], [MsgType.GET_LOG, { sinceSeq: 0 }], [MsgType.INSTALL_EPOCHS, { epochs: [] }]] as const) {
    const err = await t.throwsAsync(tech.rpc.request(type, encodeJson(body)), { instanceOf: WireError });
    t.is(code(err), ErrorCode.AUTH_REQUIRED);
    t.regex(err!.message, /technician certificate may only use firmware/);
  }
  t.deepEqual(camera.vault.calls, [], 'the vault was never touched');
  t.is((await new FirmwareClient(tech.rpc).status()).version, '0.0.0');
  // A technician's signature made with the dock context does not authenticate it.
  const wrongCtx = openCameraSession({ line: dock, identity: pki.technician, caCertPem: pki.ca.certPem, role: 'dock' });
  t.is(code(await t.throwsAsync(wrongCtx, { instanceOf: WireError })), ErrorCode.AUTH_FAILED);
});
