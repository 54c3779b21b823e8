// The camera end of the serial-link bench in its own process, as on the device: the firmware's vault
// (a clip recorded and encrypted by ClipWriter on a temp flash dir, read back by vault.readChunk) and
// its dock link on one end of the pty pair. Forked by serial-link.bench.ts; IPC: {op:'open'} and
// {op:'close'} per repetition, answered with {ok}. Usage: serial-camera.ts TTY DIR BYTES PKI.json
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../shared/clock.js';
import { openSerialLine } from '../../shared/serial-port.js';
import type { SerialLine } from '../../shared/hal.js';
import { DeviceLog } from '../../firmware/device-log.js';
import { startDockLink } from '../../firmware/dock-link.js';
import { Vault } from '../../firmware/vault/vault.js';

const [tty, dir, bytesArg, pkiPath] = process.argv.slice(2);
const pki = JSON.parse(readFileSync(pkiPath!, 'utf8')) as { camera: { keyPem: string; certPem: string }; caCertPem: string };
const evidence = generateKeyPairSync('rsa', { modulusLength: 2048 });
const log = new DeviceLog({ path: join(dir!, 'device-log.db'), clock: systemClock });
const vault = new Vault({
  dir: dir!, deviceId: 'cam-7', clock: systemClock, evidenceKey: { epochId: 'bench', publicKey: evidence.publicKey },
  receiptPublicKey: generateKeyPairSync('ed25519').publicKey, deviceKey: generateKeyPairSync('ed25519').privateKey, log,
});
// One clip of about BYTES bytes: 1 MiB segments of random (incompressible) payload.
const clip = await vault.beginClip({ purpose: 'bench' });
const want = Number(bytesArg);
for (let t = 0, left = want; left > 0; t++, left -= 1 << 20) {
  await clip.appendSegment({ startMs: 1_700_000_000_000 + t * 1000, durationMs: 1000, keyframe: true, data: randomBytes(Math.min(left, 1 << 20)) });
}
const summary = await clip.close(1_700_000_000_000 + want);

let line: SerialLine | undefined;
let link: { close(): void } | undefined;
process.on('message', (m: { op: string }) => {
  void (async () => {
    if (m.op === 'open') {
      line = await openSerialLine(tty!);
      link = startDockLink({ line, identity: pki.camera, caCertPem: pki.caCertPem, vault, log });
    } else if (m.op === 'close') {
      link?.close();
      await line?.closeLine();
    }
    process.send!({ ok: m.op });
  })().catch((err: Error) => {
    // The bench waits for every answer: fail it, do not leave it waiting.
    process.stderr.write(`serial-camera: ${m.op}: ${err.message}\n`);
    process.exit(1);
  });
});
process.send!({ ready: true, path: join(dir!, 'clips', `${summary.clipId}.bcc`), bytes: summary.bytes });
