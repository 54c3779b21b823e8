// The API's route table: method, path, the action name (for logging refused unauthenticated calls)
// and the operation it calls. Request/response bodies: docs/central-store.md.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { reviewText } from './review.js';
import type { Operations } from './operations.js';

export interface Ctx { ops: Operations; user: string; params: string[]; query: Record<string, string>; body: unknown; exportsDir: string }
export interface Out {
  status?: number; body?: unknown; stream?: Readable | ReadableStream; filename?: string; clipId?: string; kind?: 'view' | 'download';
  /** Stream content type (default video/mp2t). */
  contentType?: string;
  /** Called once the whole stream reached the client / when it broke off. */
  done?: () => Promise<void>; failed?: (err: unknown) => Promise<void>;
}
export interface Route { method: string; path: RegExp; action: string; run(c: Ctx): Promise<Out> }

const SEG = '([^/]+)';
const r = (method: string, p: string, action: string, run: (c: Ctx) => Promise<Out>): Route =>
  ({ method, path: new RegExp(`^${p.replaceAll(':x', SEG)}$`), action, run });

/** A fresh file name in the exports directory; the evidence store writes the package (AES-256 ZIP) there. */
export const exportPath = (dir: string, kind: string) => path.join(dir, `${kind}-${new Date().toISOString().replace(/[:.]/g, '')}-${randomBytes(4).toString('hex')}.zip`);
const outFile = (c: Ctx, kind: string) => exportPath(c.exportsDir, kind);
const ONCE = 'The password is shown only in this response: deliver it separately from the package.';
const LEAVES = 'The package leaves the server after one complete download, or at its deadline (deadlines.exportPackageHours).';
const withDownload = (x: { exportId?: number }) => ({ ...x, ...(x.exportId ? { download: `/exports/${x.exportId}/package` } : {}), note: `${ONCE} ${LEAVES}` });

export const routes: Route[] = [
  r('POST', '/logout', 'logout', async () => ({ status: 204 })),
  r('GET', '/clips', 'search', async (c) => ({ body: { clips: await c.ops.search(c.user, c.query) } })),
  r('GET', '/clips/:x', 'metadata', async (c) => ({ body: await c.ops.metadata(c.user, c.params[0]) })),
  r('GET', '/clips/:x/video', 'view', async (c) => {
    const download = c.query.download === '1' || c.query.download === 'true';
    const stream = await c.ops.video(c.user, c.params[0], download ? 'download' : 'view');
    return { stream, filename: download ? `${c.params[0]}.ts` : undefined, clipId: c.params[0], kind: download ? 'download' : 'view' };
  }),
  r('POST', '/clips/:x/hold', 'hold', async (c) => ({ body: await c.ops.hold(c.user, c.params[0], c.body) })),
  r('POST', '/clips/:x/markers', 'marker-add', async (c) => ({ status: 201, body: await c.ops.addMarker(c.user, c.params[0], c.body) })),
  r('POST', '/clips/:x/category', 'category', async (c) => ({ body: await c.ops.setCategory(c.user, c.params[0], c.body) })),
  r('POST', '/clips/:x/cases', 'case-add', async (c) => ({ body: await c.ops.addToCase(c.user, c.params[0], c.body) })),
  r('DELETE', '/clips/:x/cases', 'case-remove', async (c) => ({ body: await c.ops.removeFromCase(c.user, c.params[0], c.body) })),
  r('POST', '/cases/:x/hold', 'case-hold', async (c) => ({ body: await c.ops.holdCase(c.user, c.params[0], c.body) })),
  r('DELETE', '/cases/:x/hold', 'case-unhold', async (c) => ({ body: await c.ops.unholdCase(c.user, c.params[0], c.body) })),
  r('DELETE', '/clips/:x/hold', 'unhold', async (c) => ({ body: await c.ops.unhold(c.user, c.params[0], c.body) })),
  r('DELETE', '/clips/:x', 'delete', async (c) => ({ body: { receipt: await c.ops.delete(c.user, c.params[0], c.body) } })),
  r('POST', '/exports', 'export', async (c) => ({ status: 201, body: withDownload(await c.ops.exportPolice(c.user, c.body, outFile(c, 'police'))) })),
  // The package, once: a complete download overwrites and unlinks it on the server (issue 19).
  r('GET', '/exports/:x/package', 'export-download', async (c) => {
    const p = await c.ops.exportPackage(c.user, c.params[0]);
    return {
      stream: createReadStream(p.path), contentType: 'application/zip', filename: path.basename(p.path),
      done: () => c.ops.packageDownloaded(p.exportId), failed: (err) => c.ops.downloadFailed(c.user, p.exportId, err),
    };
  }),
  r('POST', '/dsar', 'dsar', async (c) => ({ status: 201, body: withDownload(await c.ops.dsar(c.user, c.body, outFile(c, 'dsar'))) })),
  r('POST', '/redactions', 'redact-start', async (c) => ({ status: 201, body: await c.ops.redactStart(c.user, c.body) })),
  r('GET', '/redactions/:x', 'redact-show', async (c) => ({ body: await c.ops.redactShow(c.user, c.params[0]) })),
  r('POST', '/redactions/:x/edit', 'redact-edit', async (c) => ({ body: await c.ops.redactEdit(c.user, c.params[0], c.body) })),
  r('GET', '/redactions/:x/clips/:x/preview', 'redact-preview', async (c) => ({ stream: await c.ops.redactPreview(c.user, c.params[0], c.params[1]) })),
  r('POST', '/redactions/:x/approve', 'redact-approve', async (c) => ({ body: await c.ops.redactApprove(c.user, c.params[0]) })),
  r('POST', '/redactions/:x/package', 'redact-package', async (c) => ({ status: 201, body: withDownload(await c.ops.redactPackage(c.user, c.params[0], outFile(c, 'dsar'))) })),
  r('GET', '/users', 'user-list', async (c) => ({ body: { users: await c.ops.listUsers(c.user) } })),
  r('POST', '/users', 'user-create', async (c) => ({ status: 201, body: await c.ops.createUser(c.user, c.body) })),
  r('PUT', '/users/:x/role', 'user-role', async (c) => ({ body: await c.ops.setRole(c.user, c.params[0], c.body) })),
  r('POST', '/users/:x/unlock', 'user-unlock', async (c) => ({ body: await c.ops.unlock(c.user, c.params[0], c.body) })),
  r('POST', '/users/:x/disable', 'user-disable', async (c) => ({ body: await c.ops.disable(c.user, c.params[0], c.body) })),
  r('POST', '/users/:x/enable', 'user-enable', async (c) => ({ body: await c.ops.enable(c.user, c.params[0], c.body) })),
  r('GET', '/review', 'review', async (c) => {
    const rep = await c.ops.review(c.user);
    return { body: c.query.format === 'text' ? reviewText(rep) : rep };
  }),
  r('GET', '/fleet', 'fleet', async (c) => ({ body: await c.ops.fleet(c.user) })),
  r('GET', '/access-log', 'log-read', async (c) => ({ body: { entries: await c.ops.readLog(c.user, c.query) } })),
  r('GET', '/access-log/verify', 'log-verify', async (c) => ({ body: await c.ops.verifyLog(c.user) })),
  r('POST', '/access-log/purge', 'log-purge', async (c) => ({ body: await c.ops.purgeLog(c.user) })),
  r('GET', '/incidents', 'incidents', async (c) => ({ body: { incidents: await c.ops.incidents(c.user, typeof c.query.kind === 'string' ? { kind: c.query.kind } : {}) } })),
  r('GET', '/deletion-receipts', 'deletion-receipts', async (c) => ({ body: { receipts: await c.ops.deletionReceipts(c.user, c.query) } })),
  r('POST', '/retention/run', 'retention-run', async (c) => ({ body: await c.ops.runRetention(c.user) })),
  r('POST', '/records/purge', 'records-purge', async (c) => ({ body: await c.ops.purgeRecords(c.user) })),
];
