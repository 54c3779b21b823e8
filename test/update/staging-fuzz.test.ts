// fast-check fuzz of the firmware staging messages: random and mutated payloads never crash a decoder
// or the camera's handler — each is either accepted or refused with a WireError naming the problem —
// and a staged prefix survives the barrage.
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceLog } from '../../firmware/device-log.js';
import { cameraFirmware } from '../../firmware/fw-camera.js';
import { systemClock } from '../../shared/clock.js';
import {
  FwMsg, decodeFwBegin, decodeFwBeginResponse, decodeFwCommit, decodeFwCommitResponse, decodeFwEmpty, decodeFwHave, decodeFwResult,
  decodeFwStatus, decodeFwWrite, encodeFwWrite, FW_MAX_HEADER,
} from '../../shared/wire/fw-messages.js';
import { WireError, encodeJson } from '../../shared/wire/messages.js';
import { HW, makeBundle, makeFwPki, sha256File, tmp } from './fw-fixtures.js';

const pki = makeFwPki();
const bundle = makeBundle(pki, '1.0.0', { bytes: 4000 });
const bytes = readFileSync(bundle.path);
const validBegin = encodeJson({ size: bytes.length, sha256: sha256File(bundle.path), header: bundle.header.toString('base64') });

const decoders: [string, (p: Buffer) => unknown][] = [
  ['FW_BEGIN', decodeFwBegin], ['FW_WRITE', decodeFwWrite], ['FW_COMMIT', decodeFwCommit], ['FW_STATUS', (p) => decodeFwEmpty(p, 'FW_STATUS')],
  ['begin response', decodeFwBeginResponse], ['write response', decodeFwHave], ['commit response', decodeFwCommitResponse],
  ['status response', decodeFwStatus], ['result response', decodeFwResult],
];

/** Random bytes, random JSON values, and valid payloads with bytes flipped, cut or inserted. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.record({ size: fc.oneof(fc.integer(), fc.double(), fc.string()), sha256: fc.string(), header: fc.base64String(), restart: fc.anything() }).map((o) => encodeJson(o)),
  fc.tuple(fc.nat(validBegin.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(validBegin.length)).map(([i, x, cut]) => {
    const b = Buffer.from(validBegin);
    b[i] ^= x;
    return b.subarray(0, Math.max(cut, i + 1));
  }),
);

function onlyWireErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (!(err instanceof WireError) || err.reason.length === 0) throw err;
    return true;
  }
}

test('decoders: any payload is decoded or refused with a WireError', (t) => {
  for (const [name, decode] of decoders) {
    fc.assert(fc.property(payload, (p) => onlyWireErrors(() => decode(p))), { numRuns: 400 });
    t.pass(name);
  }
  // And what they accept is what was meant.
  t.deepEqual(decodeFwWrite(encodeFwWrite(123_456, Buffer.from('abc'))), { offset: 123_456, data: Buffer.from('abc') });
  t.is(decodeFwBegin(validBegin).size, bytes.length);
  // The header bound is exact: FW_MAX_HEADER bytes pass, one more is refused.
  const begin = (n: number) => encodeJson({ size: 2 * FW_MAX_HEADER, sha256: 'a'.repeat(64), header: Buffer.alloc(n, 1).toString('base64') });
  t.is(decodeFwBegin(begin(FW_MAX_HEADER)).header.length, FW_MAX_HEADER);
  t.throws(() => decodeFwBegin(begin(FW_MAX_HEADER + 1)), { instanceOf: WireError, message: /header: expected standard base64 of 1\.\.524288 bytes/ });
});

test('camera handler: random FW_ requests never crash it, and a staged prefix survives them', async (t) => {
  const dir = tmp('fwfuzz-');
  const log = new DeviceLog({ path: join(dir, 'log.db'), clock: systemClock });
  const { staging } = cameraFirmware({ deviceId: 'cam-f', hardware: HW, flashDir: dir, slotsDir: join(dir, 'slots'), releaseKeys: pki.releaseKeys, log, maxBytes: 1 << 20 });
  const peer = { role: 'dock' as const, id: 'dock-1', certSha256: '0'.repeat(64) };
  await staging.handle(FwMsg.FW_BEGIN, validBegin, peer);
  await staging.handle(FwMsg.FW_WRITE, encodeFwWrite(0, bytes.subarray(0, 1000)), peer);
  const types = [FwMsg.FW_STATUS, FwMsg.FW_WRITE, FwMsg.FW_COMMIT, FwMsg.FW_RESULT, 0x46, 0x5f];
  let refusals = 0;
  await fc.assert(fc.asyncProperty(fc.constantFrom(...types), payload, async (type, p) => {
    try {
      await staging.handle(type, p, peer);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      refusals++;
    }
  }), { numRuns: 300 });
  t.true(refusals > 200, `refusals ${refusals}`);
  const st = staging.status();
  t.is(st.staged?.have, 1000, 'nothing staged was lost');
  await staging.handle(FwMsg.FW_WRITE, encodeFwWrite(1000, bytes.subarray(1000)), peer);
  const r = JSON.parse((await staging.handle(FwMsg.FW_COMMIT, encodeJson({ sha256: sha256File(bundle.path) }), peer)).toString()) as { version: string };
  t.is(r.version, '1.0.0');
  staging.close();
  log.close();
});
