// The embedded MQTT broker (aedes, in process) on a loopback port, with the same authentication and
// ACL as the production mosquitto: TLS only, a client certificate from the organisation CA with one
// role, the rules of shared/mqtt/acl.ts for publish, subscribe and delivery. restart() brings it back
// on the same port with an empty state, as a broker restart without persistence would.
import { Aedes, type Client } from 'aedes';
import type net from 'node:net';
import tls from 'node:tls';
import { mayPublish, maySubscribe, mayReceive, type BrokerIdentity } from '../shared/mqtt/acl.js';
import type { KeyAndCert } from '../shared/pki/ca.js';
import type { RevocationSet } from '../shared/pki/revocation.js';
import { claimedIdentity, verifyPeerCertificate } from '../shared/pki/verify.js';
import { brokerAccess, defaultTestCa, identityFor, type BrokerAccess } from './broker-pki.js';

export interface EmbeddedBroker extends BrokerAccess {
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Docks whose id is revoked here lose all rights (as `bodycam provision broker` leaves them out of the ACL). */
  setRevocation(r: RevocationSet | null): void;
}

const ROLES_ON_BROKER = new Set(['dock', 'central']);

/** The identity of a TLS client, from its verified certificate only; null when it has none we accept. */
export function identityOfSocket(conn: unknown, caPem: string, revocation: RevocationSet | null): BrokerIdentity | null {
  if (!(conn instanceof tls.TLSSocket) || !conn.authorized) return null;
  const raw = conn.getPeerCertificate()?.raw;
  if (!raw) return null;
  const role = claimedIdentity(raw).role;
  if (!role || !ROLES_ON_BROKER.has(role)) return null;
  try {
    const peer = verifyPeerCertificate(raw, caPem, role as 'dock' | 'central', Date.now(), revocation);
    if (revocation?.revokedId(peer.role, peer.id)) return null;
    return { role: peer.role, id: peer.id };
  } catch { return null; }
}

export async function startAedes(port = 0, opts: { ca?: KeyAndCert } = {}): Promise<EmbeddedBroker> {
  const ca = opts.ca ?? defaultTestCa();
  const server0 = identityFor(ca, 'broker', 'localhost');
  let revocation: RevocationSet | null = null;
  let broker: Aedes;
  let server: tls.Server;
  const sockets = new Set<net.Socket>();
  const who = new WeakMap<Client, BrokerIdentity>();
  const launch = async (p: number) => {
    broker = await Aedes.createBroker({
      authenticate: (client, _username, _password, done) => {
        // The certificate is the credential; a username/password in CONNECT is ignored.
        const id = identityOfSocket(client.conn, ca.certPem, revocation);
        if (!id) {
          const err = Object.assign(new Error('not authorised: no valid client certificate'), { returnCode: 5 as const });
          done(err, false);
          return;
        }
        who.set(client, id);
        done(null, true);
      },
      authorizePublish: (client, packet, cb) => {
        cb(client && mayPublish(who.get(client) ?? null, packet.topic) ? null : new Error(`publish to ${packet.topic} not allowed`));
      },
      authorizeSubscribe: (client, sub, cb) => {
        // null subscription: a refused SUBACK (0x80), the client's session stays up.
        cb(null, maySubscribe(who.get(client) ?? null, sub.topic) ? sub : null);
      },
      authorizeForward: (client, packet) => (mayReceive(who.get(client) ?? null, packet.topic) ? packet : null),
    });
    server = tls.createServer({ key: server0.keyPem, cert: server0.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      broker.handle as (s: tls.TLSSocket) => void);
    server.on('tlsClientError', () => undefined);
    server.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(p, '127.0.0.1', () => resolve()); });
    return (server.address() as net.AddressInfo).port;
  };
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  };
  const bound = await launch(port);
  return {
    ...brokerAccess(`mqtts://127.0.0.1:${bound}`, ca),
    port: bound,
    stop,
    async restart() {
      await stop();
      await launch(bound);
    },
    setRevocation(r) { revocation = r; },
  };
}
