// The one way this project connects to the MQTT broker (dock uploader, central ingest): TLS only,
// authenticated by a client certificate from the organisation CA, never a password, never plaintext.
// The broker must present a certificate of role `broker` from the same CA naming the host.
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { verifyPeerCertificate } from '../pki/verify.js';
import type { RevocationSet } from '../pki/revocation.js';

export interface MqttTls {
  /** PEM of the organisation CA: the only issuer the broker's certificate is accepted from. */
  ca: string | Buffer;
  /** This client's certificate and key (PEM); the broker takes the identity from the certificate. */
  cert: string | Buffer;
  key: string | Buffer;
  /** Host name to check the broker certificate against, when it differs from the URL's host. */
  serverName?: string;
  /** The newest verified revocation list, consulted for the broker certificate at every connect. */
  revocation?: () => RevocationSet | null;
}

export interface MqttEndpoint { url: string; tls: MqttTls }

/** Checks an endpoint without connecting; throws naming the problem. Never echoes a credential. */
export function checkEndpoint(ep: MqttEndpoint): URL {
  let u: URL;
  try { u = new URL(ep.url); } catch { throw new Error('mqtt url: not a URL'); }
  if (u.username || u.password) throw new Error('mqtt url: must not carry credentials (the client certificate authenticates)');
  if (u.protocol !== 'mqtts:' && u.protocol !== 'ssl:') throw new Error(`mqtt url: must be mqtts:// (TLS), got ${u.protocol}//`);
  if (!ep.tls || !ep.tls.ca || !ep.tls.cert || !ep.tls.key) throw new Error('mqtt tls: ca, cert and key are required');
  return u;
}

/** The URL as it may appear in a log: scheme, host and port only. */
export function redactedUrl(url: string): string {
  try { const u = new URL(url); return `${u.protocol}//${u.host}`; } catch { return '(unparseable url)'; }
}

export function mqttTlsOptions(t: MqttTls): IClientOptions {
  // mqtt.js hands these to tls.connect, which knows checkServerIdentity.
  const o: IClientOptions & { checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined } = {
    ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: true, servername: t.serverName,
    checkServerIdentity: (host: string, cert: PeerCertificate) => {
      try {
        verifyPeerCertificate(cert.raw, t.ca, 'broker', Date.now(), t.revocation?.());
      } catch (err) {
        return new Error(`mqtt broker certificate: ${(err as Error).message}`);
      }
      return checkServerIdentity(t.serverName ?? host, cert);
    },
  };
  return o;
}

export function connectMqtt(ep: MqttEndpoint, opts: Pick<IClientOptions, 'clientId' | 'reconnectPeriod' | 'connectTimeout' | 'resubscribe' | 'clean'>): MqttClient {
  checkEndpoint(ep);
  return storeWithoutCopy(mqtt.connect(ep.url, { protocolVersion: 4, clean: true, ...opts, ...mqttTlsOptions(ep.tls) }));
}

type StoreAndSend = (packet: { cmd: string }, cb: ((err?: Error) => void) | undefined, cbStorePut: () => void) => void;

/**
 * mqtt.js deep-copies every QoS 1 PUBLISH it keeps for a resend (rfdc: a 256 KiB payload copy per clip
 * chunk, the dock's largest allocation) only to strip an MQTT 5 topic alias from the kept copy. On 3.1.1
 * there is none, and no caller here changes a payload after publishing it, so the packet itself is kept.
 */
function storeWithoutCopy(client: MqttClient): MqttClient {
  const c = client as unknown as {
    _storeAndSend?: StoreAndSend; outgoingStore: { put(p: unknown, cb: (err?: Error) => void): void }; _writePacket(p: unknown, cb?: (err?: Error) => void): void;
  };
  // Only the mqtt.js shape this was written against (5.x): otherwise its own copying path stays.
  if (client.options.protocolVersion !== 4 || typeof c._storeAndSend !== 'function' || c._storeAndSend.length !== 3 || typeof c._writePacket !== 'function') return client;
  c._storeAndSend = (packet, cb, cbStorePut) => {
    c.outgoingStore.put(packet, (err) => {
      if (err) return cb?.(err);
      cbStorePut();
      c._writePacket(packet, cb);
    });
  };
  return client;
}
