// The link handshake (shared/wire/handshake.ts) on its own, both roles, no transport: the requester
// (dock, technician) and the responder (camera) exchange HELLO and AUTH objects directly.
import test from 'ava';
import { createCA, issueCertificate } from '../../shared/pki/ca.js';
import { RevocationSet, serialOf } from '../../shared/pki/revocation.js';
import {
  CameraNotTrusted, HandshakeRefused, ResponderHandshake, linkIdentity, startRequester, type HandshakeTrust,
} from '../../shared/wire/handshake.js';
import { ErrorCode, WireError } from '../../shared/wire/messages.js';

const ca = createCA();
const otherCa = createCA();
const dock = issueCertificate({ role: 'dock', id: 'dock-1', ca });
const tech = issueCertificate({ role: 'technician', id: 'tech-1', ca });
const cam = issueCertificate({ role: 'camera', id: 'cam-01', ca });
const strangerDock = issueCertificate({ role: 'dock', id: 'dock-1', ca: otherCa });
const strangerCam = issueCertificate({ role: 'camera', id: 'cam-01', ca: otherCa });
const id = (k: { keyPem: string; certPem: string }) => linkIdentity({ keyPem: k.keyPem, certPem: k.certPem });
const trust: HandshakeTrust = { caCertPem: ca.certPem };
const revoking = (certPem: string): HandshakeTrust => ({
  caCertPem: ca.certPem,
  revocation: () => new RevocationSet({
    v: 1, kind: 'revocation-list', number: 3, issuedAt: new Date().toISOString(),
    revoked: [{ serial: serialOf(certPem), reason: 'lost', revokedAt: new Date().toISOString() }],
  }),
});
const camera = (t: HandshakeTrust = trust, own = cam) => new ResponderHandshake(id(own), t);

test('good: a dock and a camera authenticate each other; each learns the other from its certificate', (t) => {
  const c = camera();
  const r = startRequester(id(dock), 'dock', trust);
  const { auth, camera: seen, cameraDer } = r.answer(c.hello(r.hello));
  t.is(seen.id, 'cam-01');
  t.is(seen.role, 'camera');
  t.deepEqual(cameraDer, id(cam).der);
  t.is(c.state, 'challenged');
  t.is(c.peer, null, 'no peer before AUTH');
  const { peer, repeated } = c.auth(auth);
  t.false(repeated);
  t.is(peer.id, 'dock-1');
  t.is(peer.role, 'dock');
  t.regex(peer.certSha256, /^[0-9a-f]{64}$/);
  t.deepEqual(c.peer, peer);
  // A retransmitted AUTH (its answer lost on the line) is answered again; after the session ends it is not.
  t.true(c.auth(auth).repeated);
  c.end();
  t.is(c.peer, null);
  t.is(t.throws(() => c.auth(auth), { instanceOf: WireError })!.code, ErrorCode.AUTH_REQUIRED);
});

test('good: a technician authenticates as a technician (its role, not a dock\'s)', (t) => {
  const c = camera();
  const r = startRequester(id(tech), 'technician', trust);
  const { peer } = c.auth(r.answer(c.hello(r.hello)).auth);
  t.deepEqual([peer.role, peer.id], ['technician', 'tech-1']);
});

test('bad certificate: from another CA, or not a certificate; refused by either end, with the reason for the log only', (t) => {
  const c = camera();
  const e = t.throws(() => c.hello(startRequester(id(strangerDock), 'dock', trust).hello), { instanceOf: HandshakeRefused });
  t.regex(e!.reason, /not issued by the organisation CA/);
  t.regex(String(e!.details.certSha256), /^[0-9a-f]{64}$/);
  t.is(c.state, 'idle');
  t.throws(() => c.hello({ v: 1, cert: Buffer.from('not a certificate').toString('base64'), nonce: Buffer.alloc(32).toString('base64') }), { instanceOf: HandshakeRefused, message: /not a parseable/ });

  const r = startRequester(id(dock), 'dock', trust);
  const answer = camera(trust, strangerCam).hello(r.hello);
  const n = t.throws(() => r.answer(answer), { instanceOf: CameraNotTrusted });
  t.regex(n!.device.reason, /not issued by the organisation CA/);
  t.is(n!.device.claimed.id, 'cam-01', 'what the untrusted certificate claims, for the report');
  t.throws(() => r.answer({ ...answer, cert: undefined }), { instanceOf: CameraNotTrusted, message: /not a parseable/ });
});

test('revoked: a revoked dock is refused by the camera, a revoked camera by the dock', (t) => {
  const c = camera(revoking(dock.certPem));
  t.throws(() => c.hello(startRequester(id(dock), 'dock', trust).hello), { instanceOf: HandshakeRefused, message: /dock dock-1 revoked \(serial [0-9a-f]+, lost; revocation list #3\)/ });
  t.is(c.state, 'idle');
  // The same list does not touch anyone else.
  const r2 = startRequester(id(tech), 'technician', trust);
  t.notThrows(() => c.auth(r2.answer(c.hello(r2.hello)).auth));

  const r = startRequester(id(dock), 'dock', revoking(cam.certPem));
  t.throws(() => r.answer(camera().hello(r.hello)), { instanceOf: CameraNotTrusted, message: /camera cam-01 revoked/ });
});

test('replayed nonce: an AUTH from an earlier challenge, or a camera answer to an earlier HELLO, does not verify', (t) => {
  const c = camera();
  const first = startRequester(id(dock), 'dock', trust);
  const oldAuth = first.answer(c.hello(first.hello)).auth;
  // A recorded AUTH replayed after a new HELLO (fresh camera nonce): refused, and back to idle.
  const second = startRequester(id(dock), 'dock', trust);
  c.hello(second.hello);
  const e = t.throws(() => c.auth(oldAuth), { instanceOf: HandshakeRefused });
  t.deepEqual(e!.details, { reason: 'challenge signature did not verify', dockId: 'dock-1', role: 'dock' });
  t.is(c.state, 'idle');
  // The same HELLO replayed to the camera gets a new camera nonce each time, so its old AUTH never fits.
  const replayedHello = camera();
  const a1 = replayedHello.hello(first.hello);
  const a2 = replayedHello.hello(first.hello);
  t.not(a1.nonce, a2.nonce);
  t.throws(() => replayedHello.auth(oldAuth), { instanceOf: HandshakeRefused });

  // A camera (or a recording of one) answering with a signature over another HELLO's nonce.
  const dockNow = startRequester(id(dock), 'dock', trust);
  const recorded = camera().hello(first.hello);
  t.throws(() => dockNow.answer(recorded), { instanceOf: CameraNotTrusted, message: /challenge signature does not verify/ });
  t.throws(() => dockNow.answer({ ...recorded, nonce: Buffer.alloc(8).toString('base64') }), { instanceOf: CameraNotTrusted, message: /nonce has the wrong length/ });
});

test('wrong role: a camera certificate as requester, a dock certificate as camera, a technician signing as a dock, a reflected signature', (t) => {
  t.throws(() => camera().hello(startRequester(id(cam), 'dock', trust).hello), { instanceOf: HandshakeRefused, message: /role is camera, expected dock/ });

  const r = startRequester(id(dock), 'dock', trust);
  t.throws(() => r.answer(camera(trust, dock).hello(r.hello)), { instanceOf: CameraNotTrusted, message: /role is dock, expected camera/ });

  // The camera checks a technician certificate as a technician: its AUTH signed with the dock label fails.
  const c = camera();
  const asDock = startRequester(id(tech), 'dock', trust);
  t.throws(() => c.auth(asDock.answer(c.hello(asDock.hello)).auth), { instanceOf: HandshakeRefused });
  t.is(c.peer, null);

  // The camera's own HELLO signature sent back as the dock's AUTH: the role label keeps it from verifying.
  const c2 = camera();
  const r2 = startRequester(id(dock), 'dock', trust);
  const answer = c2.hello(r2.hello);
  t.throws(() => c2.auth({ sig: answer.sig }), { instanceOf: HandshakeRefused });
});

test('malformed HELLO and AUTH are wire errors naming the field, not refusals', (t) => {
  const c = camera();
  const hello = startRequester(id(dock), 'dock', trust).hello;
  const code = (f: () => unknown) => (t.throws(f, { instanceOf: WireError }) as WireError).code;
  t.is(code(() => c.hello({ ...hello, v: 2 as 1 })), ErrorCode.UNSUPPORTED);
  t.is(code(() => c.hello({ ...hello, nonce: Buffer.alloc(31).toString('base64') })), ErrorCode.BAD_REQUEST);
  t.is(code(() => c.hello({ ...hello, cert: '' })), ErrorCode.BAD_REQUEST);
  t.is(code(() => c.auth({ sig: 'AAAA' })), ErrorCode.AUTH_REQUIRED, 'AUTH before HELLO');
  c.hello(hello);
  t.is(code(() => c.auth({})), ErrorCode.BAD_REQUEST);
  t.is((t.throws(() => c.hello({ ...hello, nonce: 5 as unknown as string }), { instanceOf: WireError }) as WireError).reason, 'nonce: expected a non-empty string');
});
