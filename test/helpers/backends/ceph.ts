// One real single-node Ceph for tests: a monitor, one memstore OSD (RAM, capped) and a RADOS Gateway
// (beast on loopback) answering S3. No manager, no auth (loopback only), pool size 1. The gateway
// needs ms_mon_client_mode = crc or it retries monitor auth forever (-13). Two S3 users with fixed
// keys: `svc` (the store's service identity, owns the buckets) and `admin` (an administrator whom
// bucket policies deny the governance bypass). RGW answers about 13 s after launch, ~400 MB RSS.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../../hardware-sim/mosquitto.js';
import { findBinary, run, spawnLogged, stopPid, waitFor } from './proc.js';

export interface S3User { accessKeyId: string; secretAccessKey: string; uid: string }
export interface TestCeph {
  endpoint: string; region: string; service: S3User; admin: S3User; pids: number[]; dir: string;
  stop(): Promise<void>;
  /** kill -9 the gateway, then start it again on the same port and wait until it answers (a fault test's own instance only). */
  killGateway(): Promise<void>;
  startGateway(): Promise<void>;
}

export const CEPH_USERS = {
  service: { uid: 'bodycam-svc', accessKeyId: 'BODYCAMSVCTESTKEY000', secretAccessKey: 'bodycam-service-test-secret-0000000000000' },
  admin: { uid: 'bodycam-admin', accessKeyId: 'BODYCAMADMTESTKEY000', secretAccessKey: 'bodycam-admin-test-secret-00000000000000' },
} as const;

const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'];

/** Why Ceph cannot be started here (binaries missing), or null. */
export function cephMissing(): string | null {
  const missing = BINARIES.filter((b) => !findBinary(b));
  return missing.length ? `Ceph binaries not installed (${missing.join(', ')}): apt-get install --no-install-recommends radosgw ceph-mon ceph-osd` : null;
}

/** Up to three tries, each in a fresh directory on fresh ports (a free port can be taken by another test between choosing and binding it). */
export async function startCeph(dir: string, o: { memstoreBytes?: number } = {}): Promise<TestCeph> {
  const why = cephMissing();
  if (why) throw new Error(why);
  for (let attempt = 1; ; attempt++) {
    try { return await startOnce(path.join(dir, `try-${attempt}`), o); } catch (err) {
      if (attempt === 3) throw err;
      process.stderr.write(`test ceph: attempt ${attempt} failed, trying again: ${(err as Error).message.split('\n')[0]}\n`);
    }
  }
}

async function startOnce(dir: string, o: { memstoreBytes?: number }): Promise<TestCeph> {
  for (const d of ['mon', 'osd/ceph-0', 'run', 'log', 'rgw']) mkdirSync(path.join(dir, d), { recursive: true });
  const fsid = randomUUID();
  const monPort = await freePort();
  const rgwPort = await freePort();
  const conf = path.join(dir, 'ceph.conf');
  writeFileSync(conf, `[global]
fsid = ${fsid}
mon_host = v1:127.0.0.1:${monPort}
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_bind_msgr2 = false
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
run_dir = ${dir}/run
admin_socket = ${dir}/run/$name.asok
log_file = ${dir}/log/$name.log
[mon]
mon_data = ${dir}/mon/$cluster-$id
[osd]
osd_data = ${dir}/osd/$cluster-$id
osd_objectstore = memstore
memstore_device_bytes = ${o.memstoreBytes ?? 2 * 1024 ** 3}
osd_max_object_name_len = 256
osd_max_object_namespace_len = 64
[client]
ms_mon_client_mode = crc
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw_data = ${dir}/rgw
`);
  const c = ['-c', conf];
  const pids: number[] = [];
  const stop = async () => { for (const pid of [...pids].reverse()) await stopPid(pid, 10_000); };
  try {
    await run('monmaptool', ['--create', '--clobber', '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, '--fsid', fsid, path.join(dir, 'monmap')], { timeoutMs: 10_000 });
    await run('ceph-mon', [...c, '--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap')], { timeoutMs: 30_000 });
    pids.push(spawnLogged('ceph-mon', [...c, '-f', '-i', 'a'], path.join(dir, 'log', 'mon.out')).pid!);
    const cli = (...args: string[]) => run('ceph', [...c, '--connect-timeout', '10', ...args], { timeoutMs: 20_000 });
    // Our monitor, not another test's on a port that was free a moment ago.
    await waitFor('ceph-mon answering', 30_000, async () => (await cli('fsid')).trim() === fsid, 250);
    const id = (await cli('osd', 'create')).trim();
    if (id !== '0') throw new Error(`ceph osd create: expected osd id 0, got ${JSON.stringify(id)}`);
    await run('ceph-osd', [...c, '-i', '0', '--mkfs'], { timeoutMs: 30_000 });
    pids.push(spawnLogged('ceph-osd', [...c, '-f', '-i', '0'], path.join(dir, 'log', 'osd.out')).pid!);
    await waitFor('ceph-osd up', 60_000, async () => (await cli('osd', 'stat')).includes('1 up'), 250);
    pids.push(spawnLogged('radosgw', [...c, '-f', '-n', 'client.rgw'], path.join(dir, 'log', 'rgw.out')).pid!);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitFor(`radosgw answering on ${endpoint} (logs in ${dir}/log)`, 90_000, async () => (await fetch(endpoint, { signal: AbortSignal.timeout(2000) })).status < 500, 250);
    for (const u of Object.values(CEPH_USERS)) {
      await run('radosgw-admin', [...c, '-n', 'client.rgw', 'user', 'create', `--uid=${u.uid}`, `--display-name=${u.uid}`,
        `--access-key=${u.accessKeyId}`, `--secret-key=${u.secretAccessKey}`], { timeoutMs: 30_000 });
    }
  } catch (err) {
    await stop();
    const tail = (f: string) => { try { return readFileSync(path.join(dir, 'log', f), 'utf8').trim().split('\n').slice(-6).join('\n'); } catch { return '(no log)'; } };
    throw new Error(`${(err as Error).message}\n--- osd.0.log ---\n${tail('osd.0.log')}\n--- osd.out ---\n${tail('osd.out')}\n--- mon.a.log ---\n${tail('mon.a.log')}`);
  }
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const rgw = () => pids.length - 1; // the gateway is started last
  return {
    endpoint, region: 'us-east-1', service: { ...CEPH_USERS.service }, admin: { ...CEPH_USERS.admin }, pids, dir, stop,
    async killGateway() { try { process.kill(pids[rgw()]!, 'SIGKILL'); } catch { /* gone */ } await stopPid(pids[rgw()], 5000); },
    async startGateway() {
      pids[rgw()] = spawnLogged('radosgw', [...c, '-f', '-n', 'client.rgw'], path.join(dir, 'log', 'rgw.out')).pid!;
      await waitFor(`radosgw answering again on ${endpoint}`, 90_000, async () => (await fetch(endpoint, { signal: AbortSignal.timeout(2000) })).status < 500, 100);
    },
  };
}
