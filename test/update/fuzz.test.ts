// Fuzzing the bundle parser and the manifest parser: random and mutated inputs never crash or hang;
// every refusal is a BundleError with a clear code and message.
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { bufferSource, checkPayload } from '../../shared/firmware-bundle/bundle.js';
import { verifyHeader } from '../../shared/firmware-bundle/verify.js';
import { BundleError, parseManifest } from '../../shared/firmware-bundle/manifest.js';
import { HW, keysOf, makeBundle, signer, tmpDir } from './fixtures.js';

const release = signer('release-main');
const trust = { releaseKeys: keysOf(release), hardware: HW, currentVersion: '0.0.0', floor: '0.0.0' };
const CODES = new Set(['unsigned', 'bad-signature', 'untrusted-key', 'wrong-hardware', 'below-floor', 'not-newer', 'from-too-old', 'truncated', 'tampered', 'malformed']);

function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (err) {
    if (!(err instanceof BundleError)) throw new Error(`not a BundleError: ${(err as Error).stack}`);
    if (!CODES.has(err.code) || err.message.length < err.code.length + 5) throw new Error(`unclear refusal: ${err.message}`);
    return err.code;
  }
}

test('random bytes (with and without the magic) are refused with a BundleError', (t) => {
  const magic = Buffer.from('BCFWBNDL\x00\x01', 'latin1');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, withMagic) => {
      const buf = withMagic ? Buffer.concat([magic, Buffer.from(bytes)]) : Buffer.from(bytes);
      const r = outcome(() => verifyHeader(bufferSource(buf), trust));
      return r !== 'ok';
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('mutated valid bundles: byte flips, truncations, insertions and length-field rewrites', (t) => {
  const dir = tmpDir(t);
  const good = readFileSync(makeBundle(dir, { version: '1.0.0', signer: release, extra: { 'a.bin': Buffer.alloc(300, 9) } }));
  t.is(outcome(() => verifyHeader(bufferSource(good), trust)), 'ok');
  const seen = new Set<string>();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ kind: fc.constant('flip'), at: fc.nat(good.length - 1), xor: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ kind: fc.constant('cut'), at: fc.nat(good.length - 1) }),
        fc.record({ kind: fc.constant('insert'), at: fc.nat(good.length), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        fc.record({ kind: fc.constant('len'), field: fc.constantFrom(10, 'sig'), value: fc.nat() }),
      ),
      (m) => {
        const b = Buffer.from(good);
        let buf: Buffer = b;
        if (m.kind === 'flip') b[m.at] = b[m.at]! ^ m.xor;
        if (m.kind === 'cut') buf = b.subarray(0, m.at);
        if (m.kind === 'insert') buf = Buffer.concat([b.subarray(0, m.at), Buffer.from(m.bytes), b.subarray(m.at)]);
        if (m.kind === 'len') {
          const mlen = b.readUInt32BE(10);
          if (m.field === 10) b.writeUInt32BE(m.value % 0x100000000, 10);
          else b.writeUInt16BE(m.value % 0x10000, 14 + mlen + 33);
        }
        const r = outcome(() => {
          const { header, manifest } = verifyHeader(bufferSource(buf), trust);
          checkPayload(bufferSource(buf), header.payloadOffset, manifest);
        });
        seen.add(r);
        // Only an unchanged bundle (e.g. a length rewritten to its own value) may pass.
        return r !== 'ok' || buf.equals(good);
      },
    ),
    { numRuns: 3000 },
  );
  for (const code of ['truncated', 'bad-signature', 'malformed', 'tampered', 'untrusted-key']) t.true(seen.has(code), `mutations reached ${code}: ${[...seen]}`);
});

const validManifest = {
  format: 1, version: '1.0.0', hardware: HW, channel: 'release', createdAt: '2026-01-01T00:00:00.000Z',
  files: [{ path: 'firmware.js', size: 1, sha256: 'a'.repeat(64) }],
};

test('manifest parser: arbitrary JSON values and field-level mutations are refused as malformed', (t) => {
  t.is(parseManifest(Buffer.from(JSON.stringify(validManifest))).version, '1.0.0');
  fc.assert(
    fc.property(fc.jsonValue(), (v) => outcome(() => parseManifest(Buffer.from(JSON.stringify(v) ?? 'null'))) === 'malformed'),
    { numRuns: 2000 },
  );
  const key = fc.constantFrom('format', 'version', 'hardware', 'channel', 'createdAt', 'files', 'minFromVersion', 'extra');
  const badPaths = fc.constantFrom('../x', '/etc/passwd', 'a/../../b', '.manifest.json', '', 'a//b', 'x\u0000y', 'firmware.js/');
  fc.assert(
    fc.property(key, fc.jsonValue(), badPaths, fc.boolean(), (k, v, p, pathCase) => {
      const m: Record<string, unknown> = structuredClone(validManifest);
      if (pathCase) m.files = [{ path: p, size: 1, sha256: 'a'.repeat(64) }, ...validManifest.files];
      else m[k] = v;
      const r = outcome(() => parseManifest(Buffer.from(JSON.stringify(m))));
      return r === 'malformed' || r === 'ok';
    }),
    { numRuns: 2000 },
  );
  for (const p of ['../x', '/etc/passwd', 'a/../../b', '.manifest.json']) {
    const m = { ...validManifest, files: [{ path: p, size: 1, sha256: 'a'.repeat(64) }, ...validManifest.files] };
    t.is(outcome(() => parseManifest(Buffer.from(JSON.stringify(m)))), 'malformed', p);
  }
  t.is(outcome(() => parseManifest(Buffer.from([0xff, 0xfe, 0x7b]))), 'malformed', 'invalid UTF-8');
  // A file that is also another file's directory cannot be installed into a slot.
  for (const order of [['lib', 'lib/x.js'], ['a/b/c', 'a/b']]) {
    const m = { ...validManifest, files: [...order.map((p) => ({ path: p, size: 1, sha256: 'a'.repeat(64) })), ...validManifest.files] };
    t.regex(String(t.throws(() => parseManifest(Buffer.from(JSON.stringify(m))))?.message), /malformed: manifest\.files: .* is a file and the directory of/);
  }
});
