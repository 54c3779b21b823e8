// The embedded MQTT broker (aedes, in process) on a loopback port; restart() brings it back on the
// same port with an empty state, as a broker restart without persistence would.
import { Aedes } from 'aedes';
import net from 'node:net';

export interface EmbeddedBroker {
  port: number;
  url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startAedes(port = 0): Promise<EmbeddedBroker> {
  let broker: Aedes;
  let server: net.Server;
  const sockets = new Set<net.Socket>();
  const launch = async (p: number) => {
    broker = await Aedes.createBroker();
    server = net.createServer(broker.handle);
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
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
    port: bound,
    url: `mqtt://127.0.0.1:${bound}`,
    stop,
    async restart() {
      await stop();
      await launch(bound);
    },
  };
}
