// Central → docks: the CA-signed revocation list as the retained message on bodycam/v1/crl (only a
// central identity may publish there, docs/mqtt-topics.md). Re-published on every connect (a broker
// without persistence forgets retained messages) and when the file changes to a newer list.
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { Logger } from 'pino';
import { CRL_TOPIC } from '../shared/mqtt/acl.js';
import { connectMqtt, type MqttEndpoint } from '../shared/mqtt/connect.js';
import { RevocationStore } from '../shared/pki/revocation-store.js';
import type { RevocationSet } from '../shared/pki/revocation.js';

export interface CrlPublisher {
  /** The list central itself checks certificates against. */
  current(): RevocationSet;
  close(): Promise<void>;
}

/** `file`: the list from `bodycam pki crl` (read, verified against the CA; a newer file replaces it). */
export function startCrlPublisher(o: { mqtt: MqttEndpoint; file: string; storeId: string; log: Logger; pollMs?: number }): CrlPublisher {
  // Loaded once without persisting (null file), then offered again on change: only newer numbers count.
  const store = new RevocationStore(null, o.mqtt.tls.ca);
  const reload = () => {
    let doc: unknown;
    try { doc = JSON.parse(readFileSync(o.file, 'utf8')); } catch (err) {
      o.log.error({ file: o.file, err: String(err) }, 'revocation list unreadable; keeping the current one');
      return false;
    }
    try {
      const r = store.offer(doc);
      if (r.installed) o.log.info({ number: r.number, revoked: store.current().list?.revoked.length }, 'revocation list loaded');
      return r.installed;
    } catch (err) {
      o.log.error({ file: o.file, err: String(err) }, 'revocation list refused; keeping the current one');
      return false;
    }
  };
  reload();
  const client = connectMqtt(o.mqtt, { clientId: `central-${o.storeId}-crl`, reconnectPeriod: 1000, connectTimeout: 5000 });
  const publish = () => {
    const doc = store.document();
    if (!doc) return;
    client.publish(CRL_TOPIC, JSON.stringify(doc), { qos: 1, retain: true }, (err) => {
      if (err) o.log.warn({ err: String(err) }, 'revocation list publish failed');
    });
  };
  client.on('connect', publish);
  client.on('error', (err) => o.log.debug({ err: String(err) }, 'mqtt error (crl publisher)'));
  watchFile(o.file, { interval: o.pollMs ?? 5000 }, () => { if (reload()) publish(); });
  return {
    current: () => store.current(),
    async close() { unwatchFile(o.file); await client.endAsync(); },
  };
}
