// evidence_keys table owner on every index backend: public key records, one per name even when two
// nodes store at once, destruction times, and the purge that keeps records a stored clip still names.
import type { ExecutionContext, TestFn } from 'ava';
import { MIGRATIONS } from '../../../central-store/index/migrations.js';
import type { Index } from '../../../central-store/index/port.js';
import { insertClip } from '../../../central-store/index/tables/clips.js';
import { insertKeyRecord, keyRecord, keyRecords, markKeyDestroyed, purgeDestroyedKeys } from '../../../central-store/index/tables/evidence-keys.js';
import { clip } from '../index-contract-evidence.js';

export function evidenceKeysContract(test: TestFn, name: string, ready: (t: ExecutionContext) => Promise<Index>, again: (t: ExecutionContext, ix: Index) => Promise<Index>): void {
  test(`${name}: evidence_keys: one record per name across nodes, destruction, purge keeps what a clip names`, async (t) => {
    const a = await ready(t);
    await a.migrate(MIGRATIONS);
    const b = await again(t, a);
    const rec = (n: string, keyId: string) => ({ name: n, kind: 'epoch' as const, keyId, publicKeyPem: `PEM ${n}`, notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-01-02T00:00:00.000Z', source: 'generated' as const, createdAt: '2026-01-01T00:00:00.000Z' });
    const [x, y] = await Promise.all([a.tx((u) => insertKeyRecord(u, rec('epoch-1', 'k1'))), b.tx((u) => insertKeyRecord(u, rec('epoch-1', 'k1-other')))]);
    t.deepEqual([x, y].sort(), [false, true], 'exactly one node records the name');
    await a.tx((u) => insertKeyRecord(u, rec('epoch-2', 'k2')));
    await a.tx((u) => insertKeyRecord(u, { ...rec('hold-1', 'kh'), kind: 'hold', notBefore: null, notAfter: null }));
    t.deepEqual((await b.tx((u) => keyRecords(u, 'epoch'))).map((k) => k.name), ['epoch-1', 'epoch-2']);
    t.is((await b.tx((u) => keyRecords(u))).length, 3);
    await a.tx((u) => markKeyDestroyed(u, 'epoch-1', '2026-03-01T00:00:00.000Z'));
    await a.tx((u) => markKeyDestroyed(u, 'epoch-1', '2026-04-01T00:00:00.000Z'));
    t.is((await b.tx((u) => keyRecord(u, 'epoch-1')))!.destroyedAt, '2026-03-01T00:00:00.000Z', 'the first destruction time stands');
    await a.tx((u) => markKeyDestroyed(u, 'epoch-2', '2026-03-01T00:00:00.000Z'));
    await a.tx((u) => insertClip(u, clip('c-held', { epoch_id: 'epoch-2' })));
    t.is(await a.tx((u) => purgeDestroyedKeys(u, '2026-05-01T00:00:00.000Z')), 1, 'epoch-2 is still named by a clip');
    t.deepEqual((await a.tx((u) => keyRecords(u))).map((k) => k.name), ['epoch-2', 'hold-1']);
  });
}
