// Upcoming evidence-key epochs for the cameras: the store generates each day's RSA key pair ahead of
// time (private half sealed under the master key, keys.ts) and publishes the public half for the
// organisation CA to sign offline (`bodycam pki sign-epoch`); the signed documents go to the docks'
// epochsDir, and the dock hands them to every docked camera.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeDurable } from '../shared/durable-file.js';
import type { KeyStore } from './keys.js';

/**
 * Make sure daily epochs exist for [today, today + days) (UTC) and that `dir` holds, per epoch,
 * `<epochId>.json` (the unsigned EvidenceEpochBody) and `<epochId>.pub.pem`. Returns the ids written now.
 */
export async function publishUpcomingEpochs(keys: KeyStore, nowMs: number, days: number, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const body of await keys.ensureDailyEpochs(nowMs, days)) {
    const json = path.join(dir, `${body.epochId}.json`);
    if (existsSync(json)) continue;
    writeDurable(path.join(dir, `${body.epochId}.pub.pem`), body.publicKeyPem);
    writeDurable(json, JSON.stringify(body));
    written.push(body.epochId);
  }
  return written;
}
