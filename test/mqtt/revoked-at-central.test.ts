// Revocation at central, end to end over mosquitto: a lost camera's new clips and a revoked dock's
// uploads are refused with the reason and recorded as incidents for the evidence officer, never
// silently dropped and never receipted; other cameras and docks deliver as before.
import test from 'ava';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clipIn, incidentsIn } from '../helpers/index-read.js';
import { Uploader } from '../../dock-agent/uploader.js';
import { RevocationSet, serialOf, type RevocationListBody } from '../../shared/pki/revocation.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { buildSignedClip, cameraIdentity, dockAuthFor, dockIdentity } from '../helpers/pki.js';
import { makeCentral, quiet, tmpDir } from './setup.js';

const entry = (certPem: string, reason: string) => ({ serial: serialOf(certPem), reason, revokedAt: new Date().toISOString() });

test('a revoked camera\'s clip and a revoked dock\'s upload are refused at central and recorded as incidents', async (t) => {
  const b = await startMosquitto();
  const central = await makeCentral(b);
  const spool = await tmpDir('revoked-central-');
  t.teardown(async () => { await central.cleanup(); await b.stop(); await rm(spool, { recursive: true, force: true }); });
  // Serial only (as `bodycam pki revoke SERIAL` without --role/--id): the certificate check itself refuses.
  const list: RevocationListBody = { v: 1, kind: 'revocation-list', number: 6, issuedAt: new Date().toISOString(),
    revoked: [entry(cameraIdentity('cam-lost').certPem, 'camera lost on duty'), entry(dockIdentity('dock-2').certPem, 'dock stolen')] };
  let current = new RevocationSet(null);
  await central.start({ revocation: () => current });
  const up = (dockId: string) => {
    const u = new Uploader({ ...dockAuthFor(dockId), mqtt: b.endpoint(dockId), dockId, centralPublicKey: central.publicKey, chunkSize: 64 * 1024, statusTimeoutMs: 1000, log: quiet('up') });
    t.teardown(() => u.close());
    return u;
  };
  const file = async (c: { clip: { clipId: string }; data: Buffer }) => { const p = path.join(spool, `${c.clip.clipId}.bcc`); await writeFile(p, c.data); return p; };
  const dock1 = up('dock-1');

  // Before the revocation the lost camera's clips are stored like any other.
  const before = buildSignedClip(80_000, { deviceId: 'cam-lost' });
  await dock1.upload(before.clip, await file(before));
  t.truthy(await clipIn(central.db, before.clip.clipId));

  current = new RevocationSet(list);
  const after = buildSignedClip(80_000, { deviceId: 'cam-lost' });
  await t.throwsAsync(dock1.upload(after.clip, await file(after)), { message: /rejected.*revoked|revoked/ });
  t.falsy(await clipIn(central.db, after.clip.clipId), 'never indexed, never receipted');
  // The camera is named in the reason (its certificate chains to the CA; only its serial is revoked).
  const camIncident = (await incidentsIn(central.db, { clipId: after.clip.clipId })).find((i) => /revoked/.test(i.reason));
  t.truthy(camIncident, JSON.stringify(await incidentsIn(central.db)));
  t.regex(camIncident!.reason, /camera cam-lost revoked \(serial [0-9a-f]+, camera lost on duty; revocation list #6\)/);
  t.is(camIncident!.dock_id, 'dock-1');
  t.truthy(await clipIn(central.db, before.clip.clipId), 'what it recorded before stays stored');

  const other = buildSignedClip(80_000, { deviceId: 'cam-ok' });
  await dock1.upload(other.clip, await file(other));
  t.truthy(await clipIn(central.db, other.clip.clipId), 'other cameras deliver');

  const viaStolenDock = buildSignedClip(80_000, { deviceId: 'cam-ok' });
  await t.throwsAsync(up('dock-2').upload(viaStolenDock.clip, await file(viaStolenDock)), { message: /revoked/ });
  t.falsy(await clipIn(central.db, viaStolenDock.clip.clipId));
  t.truthy((await incidentsIn(central.db)).find((i) => i.dock_id === 'dock-2' && /dock stolen/.test(i.reason)), JSON.stringify(await incidentsIn(central.db)));
});
