// Issue 11's attacks against the REAL central store process (central-store/main.ts, started once for
// this file as a child process, as an operator starts it) and the real mosquitto with the project's
// broker config (TLS client certificates from the org CA, the generated ACL). The attackers are broker
// clients: one holding dock-1's broker credentials (a stolen dock), a rogue dock with its own valid
// certificate, a client with no certificate and one with a camera's certificate. Everything is judged
// from outside: the store's HTTP API (clip metadata, incidents, retention), its index opened
// read-only through the port (device log, wipe certificates), and what the broker lets through.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { openStoreContext } from '../../central-store/store-context.js';
import { parseStoreConfig } from '../../central-store/config.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { ClipWriter } from '../../shared/clip/writer.js';
import { signDocument, type DeviceLogEntry, type SignedDocument, type WipeCertificateBody } from '../../shared/evidence.js';
import { encodeChunk, encodeJson } from '../../shared/mqtt/codec.js';
import { mqttTlsOptions } from '../../shared/mqtt/connect.js';
import { signDockAuth } from '../../shared/mqtt/dock-auth.js';
import { topics } from '../../shared/mqtt/topics.js';
import type { Unit } from '../../central-store/index/port.js';
import { allClips, getClip } from '../../central-store/index/tables/clips.js';
import { deviceLogOf } from '../../central-store/index/tables/device-log.js';
import { wipeCertOf } from '../../central-store/index/tables/wipe-certificates.js';
import { readIndexFile } from '../helpers/index-read.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { buildSignedClip, cameraCertB64, cameraIdentity, dockAuthFor, dockIdentity, testEpoch } from '../helpers/pki.js';
import { PW } from '../store/helpers.js';
import { quiet } from './setup.js';
import { chainAfter } from './log-chain.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'server-attacks-'));
const keyFile = path.join(dir, 'master.key');
const cfgFile = path.join(dir, 'store.json');
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
let broker: Mosquitto;
let server: ChildProcess;
let port = 0;
let receiptKey: string;
const closers: (() => Promise<unknown> | unknown)[] = [];

test.before(async () => {
  broker = await startMosquitto();
  writeFileSync(keyFile, randomBytes(32));
  const cfg = { storeId: 'store-attacked', dataDir: 'data', mqtt: { url: broker.url, tls: broker.files('central-1', 'central') }, api: { port: 0 }, epochDaysAhead: 1 };
  writeFileSync(cfgFile, JSON.stringify(cfg));
  const ctx = await openStoreContext(parseStoreConfig({ ...cfg, dataDir: path.join(dir, 'data') }), { masterKey: async () => readFileSync(keyFile) });
  await ctx.ops.bootstrapAdmin('root', PW);
  await ctx.ops.createUser('root', { username: 'owen', role: 'evidence-officer', password: PW });
  await ctx.close();
  server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'central-store/main.ts'), cfgFile], {
    cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', BODYCAM_MASTER_KEY_FILE: keyFile }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ port: number; publicKey: string }>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
    server.once('close', (c) => reject(new Error(`central-store exited ${c} before it was ready`)));
  });
  port = ready.port;
  receiptKey = readFileSync(ready.publicKey, 'utf8');
});

test.after.always(async () => {
  for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('close', r));
    server.kill('SIGTERM');
    await exited;
  }
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// ---- outside views of the store ----
const tokens = new Map<string, string>();
async function api(user: 'owen' | 'root', method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  let token = tokens.get(user);
  if (!token) {
    const r = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST', body: JSON.stringify({ username: user, password: PW }) });
    if (r.status !== 200) throw new Error(`login ${user}: ${r.status} ${await r.text()}`);
    token = ((await r.json()) as { token: string }).token;
    tokens.set(user, token);
  }
  const r = await fetch(`http://127.0.0.1:${port}${p}`, { method, headers: { authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}
interface Incident { kind: string; dock_id: string | null; device_id: string | null; clip_id: string | null; reason: string }
const incidents = async (kind?: string): Promise<Incident[]> => {
  const r = await api('owen', 'GET', `/incidents${kind ? `?kind=${kind}` : ''}`);
  if (r.status !== 200) throw new Error(`GET /incidents: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.incidents;
};
const clipOf = (id: string) => api('owen', 'GET', `/clips/${encodeURIComponent(id)}`);
/** The store's index, read-only through the port (what an auditor with file access sees). */
const readDb = <T>(fn: (u: Unit) => Promise<T>): Promise<T> => readIndexFile(path.join(dir, 'data', 'central.db'), fn);

// ---- the dock side: the real dock uploader, and attackers ----
function dock(dockId: string): Uploader {
  const u = new Uploader({ ...dockAuthFor(dockId), mqtt: broker.endpoint(dockId), dockId, centralPublicKey: receiptKey, chunkSize: 64 * 1024, statusTimeoutMs: 1000, log: quiet('dock') });
  closers.push(() => u.close());
  return u;
}
/** A broker client with dock-1's certificate and key: what a thief of a dock (or its files) holds. */
async function stolenDock1(): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: `thief-${randomBytes(4).toString('hex')}`, ...mqttTlsOptions(broker.endpoint('dock-1').tls) });
  closers.push(() => c.endAsync(true));
  return c;
}
async function spoolFile(name: string, data: Buffer): Promise<string> {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}
function realClip(deviceId: string, bytes: number) {
  const c = buildSignedClip(bytes, { deviceId });
  return { ...c, file: path.join(dir, `${c.clip.clipId}.bcc`), write() { writeFileSync(this.file, c.data); return this; } };
}

test.serial('a meta saying startedAt 1970, sent while the dock uploads: the store keeps the signed times, logs the forgery, and retention keeps the clip', async (t) => {
  const thief = await stolenDock1();
  const c = realClip('cam-21', 300_000).write();
  const forged = { v: 1, dockId: 'dock-1', clipId: c.clip.clipId, deviceId: 'cam-21', state: 'closed', bytes: c.clip.bytes, sha256: c.clip.sha256,
    startedAt: '1970-01-01T00:00:00.000Z', stoppedAt: '1970-01-01T00:00:10.000Z', epochId: 'epoch-1', chunkSize: 64 * 1024, chunkCount: Math.ceil(c.clip.bytes / 65536), req: 1 };
  await thief.publishAsync(topics.meta('dock-1', c.clip.clipId), encodeJson(forged), { qos: 1 });
  // Dock-style (v2) with dock-1's certificate, signed by a key that is not dock-1's.
  const v2 = { ...forged, v: 2, ...signDockAuth({ keyPem: stranger.export({ type: 'pkcs8', format: 'pem' }) as string, certPem: dockIdentity('dock-1').certPem }, 'upload', [], cameraCertB64('cam-21')) };
  await thief.publishAsync(topics.meta('dock-1', c.clip.clipId), encodeJson(v2), { qos: 1 });
  const done = dock('dock-1').upload(c.clip, c.file);
  await thief.publishAsync(topics.meta('dock-1', c.clip.clipId), encodeJson({ ...v2, req: 2 }), { qos: 1 });
  const receipt = await done;
  t.regex(receipt.body, new RegExp(c.clip.clipId));

  const meta = await clipOf(c.clip.clipId);
  t.is(meta.status, 200);
  t.like(meta.body, { clipId: c.clip.clipId, deviceId: 'cam-21', dockId: 'dock-1', startedAt: c.clip.startedAt, stoppedAt: c.clip.stoppedAt, sha256: c.clip.sha256, signature: 'camera-signed', clockNote: null });
  const refused = (await incidents('upload-refused')).filter((i) => i.clip_id === c.clip.clipId);
  t.true(refused.length > 0 && refused.every((i) => i.reason.length > 0), JSON.stringify(refused));
  t.true(refused.some((i) => /dock signature does not verify/.test(i.reason)), refused.map((i) => i.reason).join('\n'));
  const ret = await api('root', 'POST', '/retention/run');
  t.is(ret.status, 200, JSON.stringify(ret.body));
  t.false(JSON.stringify(ret.body).includes(c.clip.clipId), 'retention deleted the clip');
  t.is((await clipOf(c.clip.clipId)).status, 200);
});

test.serial('fabricated clips (encrypted to the public epoch key; unsigned, sealed by a stranger, or by another camera) are refused with the reason, never indexed or receipted', async (t) => {
  const up = dock('dock-1');
  const ids: string[] = [];
  const sealedByStranger = buildSignedClip(100_000, { deviceId: 'cam-22', deviceKey: stranger });
  ids.push(sealedByStranger.clip.clipId);
  await t.throwsAsync(up.upload(sealedByStranger.clip, await spoolFile('stranger.bcc', sealedByStranger.data)), { message: /clip refused: bad-signature: header seal does not verify/ });
  const v1 = path.join(dir, 'v1.bcc');
  const w = await ClipWriter.create(v1, { meta: { clipId: 'fabricated-v1', deviceId: 'cam-22', startedAt: new Date().toISOString() }, epochId: 'epoch-1', publicKey: testEpoch().publicKey });
  await w.appendSegment({ startMs: Date.now(), durationMs: 1000, keyframe: true, data: Buffer.alloc(5000, 1) });
  const fin = await w.finish({ stoppedAtMs: Date.now() });
  ids.push('fabricated-v1');
  await t.throwsAsync(up.upload({ clipId: 'fabricated-v1', deviceId: 'cam-22', state: 'closed', bytes: fin.bytes, sha256: fin.sha256, startedAt: '', stoppedAt: null, epochId: 'epoch-1' }, v1),
    { message: /clip refused: unsigned: clip format version 1/ });
  const claims = buildSignedClip(50_000, { deviceId: 'cam-22', deviceKey: createPrivateKey(cameraIdentity('cam-23').keyPem) });
  ids.push(claims.clip.clipId);
  const rogueCam = new Uploader({ identity: dockIdentity('dock-1'), cameraCert: () => cameraCertB64('cam-23'), mqtt: broker.endpoint('dock-1'), dockId: 'dock-1', centralPublicKey: receiptKey, chunkSize: 64 * 1024, statusTimeoutMs: 1000, log: quiet('dock') });
  closers.push(() => rogueCam.close());
  await t.throwsAsync(rogueCam.upload(claims.clip, await spoolFile('claims.bcc', claims.data)), { message: /clip refused: bad-header: the signed clip names device cam-22, sealed by cam-23's key/ });

  for (const id of ids) t.is((await clipOf(id)).status, 404, `${id} is indexed`);
  const refused = await incidents('clip-refused');
  for (const id of ids) t.truthy(refused.find((i) => i.clip_id === id && i.reason.length > 0), `no incident naming ${id}`);
  await readDb(async (u) => {
    for (const id of ids) t.is(await getClip(u, id), undefined, `${id} is in the index`);
    t.deepEqual((await allClips(u)).filter((c) => c.device_id === 'cam-22'), []);
  });
});

test.serial('a squatter under a real clip id (a 45-byte blob, first) cannot block it: the real clip is stored and receipted, the squat logged', async (t) => {
  const thief = await stolenDock1();
  const real = realClip('cam-24', 200_000).write();
  const id = real.clip.clipId;
  const bogus = Buffer.alloc(45, 0x42);
  const sha = createHash('sha256').update(bogus).digest('hex');
  await thief.publishAsync(topics.chunk('dock-1', id, 0), encodeChunk(0, 1024, bogus), { qos: 1 });
  await thief.publishAsync(topics.meta('dock-1', id), encodeJson({ v: 2, dockId: 'dock-1', clipId: id, bytes: 45, sha256: sha, chunkSize: 1024, chunkCount: 1, req: 1, dockCert: '', cameraCert: '', dockSig: '' }), { qos: 1 });
  const squat = await spoolFile('squat.bin', bogus);
  await t.throwsAsync(dock('dock-2').upload({ ...real.clip, bytes: 45, sha256: sha }, squat), { message: /clip refused: bad-magic/ });
  const receipt = await dock('dock-1').upload(real.clip, real.file);
  t.regex(receipt.body, new RegExp(id));
  t.like((await clipOf(id)).body, { clipId: id, sha256: real.clip.sha256, bytes: real.clip.bytes, deviceId: 'cam-24', dockId: 'dock-1' });
  // Once stored, another upload under its id is a conflict: refused, logged, the real one kept.
  await t.throwsAsync(dock('dock-2').upload({ ...real.clip, bytes: 45, sha256: sha }, squat), { message: /already stored with a different sha256/ });
  t.is((await clipOf(id)).body.sha256, real.clip.sha256);
  const kinds = (await incidents()).filter((i) => i.clip_id === id).map((i) => i.kind).sort();
  t.deepEqual(kinds, ['clip-conflict', 'clip-refused', 'upload-refused']);
});

test.serial("a message under dock-1's topic signed with dock-2's real key is refused (the dock certificate must name the topic's dock); 40 copies are one counted incident", async (t) => {
  const thief = await stolenDock1();
  const c = realClip('cam-29', 10_000);
  const meta = { v: 2, dockId: 'dock-1', clipId: c.clip.clipId, bytes: c.clip.bytes, sha256: c.clip.sha256, chunkSize: 65536, chunkCount: 1, req: 1,
    ...signDockAuth(dockIdentity('dock-2'), 'upload', [], cameraCertB64('cam-29')) };
  for (let i = 0; i < 40; i++) await thief.publishAsync(topics.meta('dock-1', c.clip.clipId), encodeJson(meta), { qos: 1 });
  // The store handles the 40 in the background: poll its incident list until all are counted.
  let rows: (Incident & { count: number })[] = [];
  for (const until = Date.now() + 30_000; Date.now() < until;) {
    rows = (await incidents('upload-refused')).filter((i) => i.clip_id === c.clip.clipId) as typeof rows;
    if (rows.length === 1 && rows[0]!.count >= 40) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(rows.length, 1, JSON.stringify(rows));
  t.is(rows[0]!.count, 40);
  t.regex(rows[0]!.reason, /dock certificate is for dock-2, the topic names dock-1/);
  t.is((await clipOf(c.clip.clipId)).status, 404);
});

const chainOf = chainAfter;
const headOf = (deviceId: string, e: DeviceLogEntry[], key: KeyObject): SignedDocument =>
  signDocument({ v: 1, kind: 'device-log-head', deviceId, seq: e[e.length - 1]!.seq, hash: e[e.length - 1]!.hash }, key);
const logRows = (deviceId: string) => readDb((u) => deviceLogOf(u, deviceId));

test.serial("a forged device log with a valid-looking hash chain is refused; the camera's own 20 entries are stored", async (t) => {
  const thief = await stolenDock1();
  const fake = chainOf(60, undefined, 'record-start');
  await thief.publishAsync(topics.deviceLog('dock-1'), encodeJson({ v: 1, deviceId: 'cam-25', entries: fake }), { qos: 1 });
  t.is(await dock('dock-2').forwardDeviceLog('cam-25', fake, headOf('cam-25', fake, stranger)), 60);
  const real = chainOf(20);
  t.is(await dock('dock-1').forwardDeviceLog('cam-25', real, headOf('cam-25', real, createPrivateKey(cameraIdentity('cam-25').keyPem))), 20);
  const rows = await logRows('cam-25');
  t.deepEqual(rows.map((r) => [r.seq, r.chainOk]), real.map((e) => [e.seq, true]));
  t.deepEqual(rows.map((r) => (JSON.parse(r.entryJson) as DeviceLogEntry).hash), real.map((e) => e.hash));
  const refused = (await incidents('device-log-refused')).filter((i) => i.device_id === 'cam-25');
  t.true(refused.some((i) => /device-log-head: signature does not verify/.test(i.reason)), refused.map((i) => i.reason).join('\n'));
});

test.serial('a fake wipe certificate is refused with the reason; the camera-signed one is stored verified and matching its receipt', async (t) => {
  const c = realClip('cam-26', 80_000).write();
  const receipt = await dock('dock-1').upload(c.clip, c.file);
  const body: WipeCertificateBody = {
    v: 1, kind: 'wipe-certificate', clipId: c.clip.clipId, deviceId: 'cam-26', sha256: c.clip.sha256!, bytes: c.clip.bytes, wipedAt: new Date().toISOString(),
    steps: ['overwrite', 'fsync', 'unlink'], receiptSha256: createHash('sha256').update(receipt.body, 'utf8').digest('hex'),
  };
  const thief = await stolenDock1();
  await thief.publishAsync(topics.wipeCert('dock-1'), encodeJson({ v: 1, deviceId: 'cam-26', clipId: c.clip.clipId, cert: signDocument(body, stranger) }), { qos: 1 });
  t.regex((await dock('dock-2').forwardWipeCert('cam-26', c.clip.clipId, signDocument(body, stranger))) ?? '', /wipe-certificate: signature does not verify/);
  const certs = () => readDb(async (u) => {
    const w = await wipeCertOf(u, c.clip.clipId);
    return w ? [{ receiptMatches: w.receiptMatches, signatureVerified: w.signatureVerified }] : [];
  });
  t.deepEqual(await certs(), []);
  t.is(await dock('dock-1').forwardWipeCert('cam-26', c.clip.clipId, signDocument(body, createPrivateKey(cameraIdentity('cam-26').keyPem))), undefined);
  t.deepEqual(await certs(), [{ receiptMatches: true, signatureVerified: true }]);
  t.true((await incidents('wipe-cert-refused')).some((i) => i.clip_id === c.clip.clipId && /signature does not verify/.test(i.reason)));
});

/** Connect once, no retry: the client, or why not. */
function tryConnect(o: IClientOptions): Promise<{ client?: MqttClient; error?: string }> {
  const c = mqtt.connect(broker.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 20_000, ...o });
  return new Promise((resolve) => {
    c.once('connect', () => { closers.push(() => c.endAsync(true)); resolve({ client: c }); });
    c.once('error', (err) => { c.end(true); resolve({ error: err.message }); });
    c.once('close', () => { if (!c.connected) resolve({ error: 'closed' }); });
  });
}
async function grantedOf(c: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

test.serial('the broker: no client certificate, no connection; a camera certificate and another dock read none of an upload on #; a publish under another prefix never reaches the store', async (t) => {
  const ca = broker.endpoint('dock-1').tls.ca;
  const t0 = Date.now();
  const lap = (what: string) => t.log(`${what}: ${Date.now() - t0} ms`);
  const anon = await tryConnect({ ca, rejectUnauthorized: true, checkServerIdentity: () => undefined } as IClientOptions);
  t.truthy(anon.error, 'a client without a certificate was let in');
  const plain = await new Promise<string>((resolve) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
    c.once('connect', () => { c.end(true); resolve('connected'); });
    c.once('error', (e) => { c.end(true); resolve(e.message); });
    c.once('close', () => resolve('closed'));
  });
  t.not(plain, 'connected', 'plaintext MQTT was answered');
  lap('anonymous and plaintext refused');

  // Eavesdroppers on '#': a camera's certificate (wrong role) and another dock's.
  const camCert = cameraIdentity('cam-27');
  const cam = await tryConnect({ ...mqttTlsOptions({ ca, cert: camCert.certPem, key: camCert.keyPem }), clientId: 'cam-27-spy' });
  const spies: { name: string; got: string[] }[] = [];
  if (cam.client) {
    const got: string[] = [];
    cam.client.on('message', (topic) => got.push(topic));
    t.log('camera certificate on #: SUBACK', JSON.stringify(await grantedOf(cam.client, ['#', 'bodycam/v1/+/clip/+/meta'])));
    spies.push({ name: 'camera', got });
    // And it tries to speak for dock-1 (a forged meta under dock-1's prefix, a wipe certificate).
    await cam.client.publishAsync(topics.meta('dock-1', 'cam-spoofed-clip'), encodeJson({ v: 1, clipId: 'cam-spoofed-clip', deviceId: 'cam-27', bytes: 1, sha256: '00' }), { qos: 1 }).catch(() => undefined);
  } else t.log('camera certificate: no connection:', cam.error);
  const dock2 = await tryConnect({ ...mqttTlsOptions(broker.endpoint('dock-2').tls), clientId: 'dock-2-spy' });
  t.truthy(dock2.client, dock2.error);
  const dock2Got: string[] = [];
  dock2.client!.on('message', (topic) => dock2Got.push(topic));
  await grantedOf(dock2.client!, ['#']);
  spies.push({ name: 'dock-2', got: dock2Got });
  // Dock-2 also publishes under dock-1's prefix: the broker drops it.
  await dock2.client!.publishAsync(topics.meta('dock-1', 'dock2-spoofed-clip'), encodeJson({ v: 1, clipId: 'dock2-spoofed-clip', deviceId: 'cam-27', bytes: 1, sha256: '00' }), { qos: 1 });

  // A real upload by dock-1, then one by dock-2 (whose own status the dock-2 spy may read: the marker).
  lap('eavesdroppers subscribed');
  const c1 = realClip('cam-27', 150_000).write();
  await dock('dock-1').upload(c1.clip, c1.file);
  lap('dock-1 uploaded');
  const c2 = realClip('cam-28', 20_000).write();
  const own = new Promise<void>((resolve) => dock2.client!.on('message', (topic) => { if (topic.startsWith('bodycam/v1/dock-2/')) resolve(); }));
  await dock('dock-2').upload(c2.clip, c2.file);
  await own;
  lap('dock-2 uploaded');
  for (const s of spies) {
    const leaked = s.got.filter((topic) => !topic.startsWith('bodycam/v1/dock-2/') || s.name === 'camera');
    t.deepEqual(leaked, [], `${s.name} read: ${leaked.join(', ')}`);
  }
  // Nothing the broker dropped reached the store: no incident, no row for the spoofed clip ids.
  const all = await incidents();
  t.false(all.some((i) => i.clip_id === 'cam-spoofed-clip' || i.clip_id === 'dock2-spoofed-clip'), JSON.stringify(all.filter((i) => /spoofed/.test(i.clip_id ?? ''))));
  t.is((await clipOf(c1.clip.clipId)).status, 200);
});

test.serial('after every attack the real clips are all stored and camera-signed, and no clip of a forging device exists', async (t) => {
  const list = await api('owen', 'GET', '/clips');
  t.is(list.status, 200);
  const devices = (list.body.clips as { deviceId: string; signature: string }[]).map((c) => `${c.deviceId}:${c.signature}`).sort();
  t.deepEqual(devices, ['cam-21:camera-signed', 'cam-24:camera-signed', 'cam-26:camera-signed', 'cam-27:camera-signed', 'cam-28:camera-signed']);
});
