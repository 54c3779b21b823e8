// `bodycam store ...`: the store's operations on a store directory directly, with the same permission
// checks and access-log entries as the HTTP API (central-store/operations.ts). The user logs in on
// every call: --user NAME, password from BODYCAM_PASSWORD or the first line of stdin.
// Exit codes: 0 ok, 1 refused or failed (reason on stderr), 2 usage.
import { createWriteStream, existsSync } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { overwriteAndUnlink } from '../shared/durable-file.js';
import { ConfigError } from '../shared/config.js';
import { loadStoreConfig, parseStoreConfig, storePaths, type StoreConfig } from '../central-store/config.js';
import { OpError } from '../central-store/operations.js';
import { reviewText } from '../central-store/review.js';
import { cleanPartials, cleanSiblings, registerPartial } from './view-partials.js';
import { openSigningKey } from '../central-store/signing-key.js';
import { openStoreContext, resolveMasterKey, type StoreContext } from '../central-store/store-context.js';

export const USAGE = `usage: bodycam store <command> (--config FILE | --dir DATA_DIR) [--user NAME] ...

  bootstrap-admin NAME                     create the first administrator (refused once one exists)
  break-glass unlock NAME --reason TEXT    on the store host: unlock an account without logging in;
                                           needs the master key, always logged (docs/central-store.md)
  user list | add NAME --role ROLE | role NAME ROLE --reason TEXT | unlock NAME | disable|enable NAME --reason TEXT
  search [--device-id ID] [--clip-id ID] [--purpose P] [--from ISO] [--to ISO] [--on-hold true|false] [--limit N]
  view CLIP -o FILE                        decrypt a clip to FILE (logged as a download)
  hold CLIP --reason TEXT --case NUMBER    place an evidence hold
  unhold CLIP --reason TEXT                lift it
  delete CLIP --reason TEXT                delete now (refused while on hold)
  export CLIP... --journal NUMBER --recipient TEXT -o FILE    encrypted police package
  dsar CLIP... --subject TEXT -o FILE      copy for a data subject (access request)
  redact start CLIP... --subject TEXT      redaction for a data subject's copy: propose face tracks per clip
  redact show CASE                         the case: tracks (id, frames, detections), boxes, mutes, reason
  redact keep|unkeep CASE CLIP TRACK...    leave a track unblurred (the data subject's own face) / blur it again
  redact box CASE CLIP --frames A-B --box X,Y,W,H [--note TEXT]   blur a manual box (screen, badge) in frames A-B
  redact unbox CASE CLIP BOX               remove a manual box
  redact mute CASE CLIP (--from S --to S | --all)   mute audio seconds S-S, or the whole track; unmute CASE CLIP clears
  redact reason CASE CLIP --reason TEXT    why (required before approval)
  redact preview CASE CLIP -o FILE         the redacted copy as it would be rendered now
  redact approve CASE -o FILE              approve every plan of the case and render the DSAR package
  incidents [--kind KIND]                  refused or conflicting uploads (forged, revoked, chain gaps)
  review [--json]                          authorisation review (6-monthly control), record counts and deadlines
  receipts [--since ISO]                   deletion receipts
  log verify | log purge                   check the access-log chain / purge entries older than 6 months
  retention run                            run the retention job now
  records purge                            run the record deadlines now (docs/data-inventory.md)

Passwords: BODYCAM_PASSWORD or stdin line 1 (the acting user); for bootstrap-admin and user add the new
user's password is BODYCAM_NEW_PASSWORD or the next stdin line. Master key (for clip commands):
--master-key-file FILE, config masterKeyFile, BODYCAM_MASTER_KEY_FILE or BODYCAM_MASTER_PASSPHRASE.
`;

class Usage extends Error {}

const OPTIONS = {
  config: { type: 'string' }, dir: { type: 'string' }, user: { type: 'string' }, 'master-key-file': { type: 'string' },
  role: { type: 'string' }, 'device-id': { type: 'string' }, 'clip-id': { type: 'string' }, purpose: { type: 'string' },
  from: { type: 'string' }, to: { type: 'string' }, 'on-hold': { type: 'string' }, limit: { type: 'string' },
  reason: { type: 'string' }, case: { type: 'string' }, journal: { type: 'string' }, recipient: { type: 'string' },
  subject: { type: 'string' }, frames: { type: 'string' }, box: { type: 'string' }, note: { type: 'string' }, all: { type: 'boolean' }, out: { type: 'string', short: 'o' }, since: { type: 'string' }, json: { type: 'boolean' }, kind: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Password lines from stdin, read once when first needed (never echoed, never logged). */
function passwords(): () => Promise<string> {
  let lines: Promise<string[]> | undefined;
  let next = 0;
  return async () => {
    lines ??= (async () => {
      if (process.stdin.isTTY) return [];
      const parts: Buffer[] = [];
      for await (const c of process.stdin) parts.push(c as Buffer);
      return Buffer.concat(parts).toString('utf8').split(/\r?\n/);
    })();
    const l = (await lines)[next++];
    if (!l) throw new OpError('bad-input', 'password: none given (BODYCAM_PASSWORD or a line on stdin)');
    return l;
  };
}

function loadConfig(v: { config?: string; dir?: string }): StoreConfig {
  if (v.config) return loadStoreConfig(v.config);
  const cfgEnv = process.env.BODYCAM_STORE_CONFIG;
  if (!v.dir && cfgEnv) return loadStoreConfig(cfgEnv);
  if (!v.dir) throw new Usage('--config FILE or --dir DATA_DIR is required');
  // Only the store directory: defaults for the rest (the MQTT url is not used by the CLI).
  return parseStoreConfig({ storeId: process.env.BODYCAM_STORE_ID ?? 'central', dataDir: path.resolve(v.dir), mqtt: { url: 'mqtts://127.0.0.1', tls: { caPath: 'unused', certPath: 'unused', keyPath: 'unused' } } /* no MQTT here */ });
}

/**
 * Write a stream to FILE via a temp name, so a failure leaves no partial file: the decrypted bytes
 * already written are overwritten before the temp name is removed (decrypted bytes only ever in FILE).
 */
export async function writeOut(src: Readable | ReadableStream, file: string, dataDir?: string): Promise<void> {
  const tmp = `${file}.part-${process.pid}`;
  // Registered first, so a kill at any later point is cleaned by the next start (view-partials.ts).
  const entry = dataDir ? registerPartial(dataDir, tmp) : undefined;
  try { await writeTmp(src, file, tmp); } finally { if (entry) await rm(entry, { force: true }); }
}

async function writeTmp(src: Readable | ReadableStream, file: string, tmp: string): Promise<void> {
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
  let created = false;
  out.once('open', () => { created = true; });
  try {
    await pipeline(src instanceof Readable ? src : Readable.fromWeb(src as import('node:stream/web').ReadableStream), out);
    await link(tmp, file); // unlike rename, refuses to replace an existing file
  } catch (err) {
    if (created) await overwriteAndUnlink(tmp).catch(() => undefined);
    throw err;
  }
  await rm(tmp, { force: true }); // FILE now holds the bytes: only the second name goes
}

const parse = (a: string[]) => parseArgs({ args: a, options: OPTIONS, allowPositionals: true, strict: true });

export async function run(args: string[]): Promise<number> {
  let v: ReturnType<typeof parse>['values'];
  let pos: string[];
  try { ({ values: v, positionals: pos } = parse(args)); } catch (err) {
    process.stderr.write(`bodycam store: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (v.help || !pos.length) { process.stdout.write(USAGE); return v.help ? 0 : 2; }
  let ctx: StoreContext | undefined;
  try {
    const config = loadConfig(v);
    for (const f of await cleanPartials(config.dataDir)) process.stderr.write(`bodycam store: removed ${f} (a view that was killed; overwritten, then unlinked)\n`);
    ctx = await openStoreContext(config, { masterKey: () => resolveMasterKey(config, process.env, v['master-key-file']) });
    const out = await dispatch(ctx, pos, v, passwords());
    if (out !== undefined) process.stdout.write(typeof out === 'string' ? out : `${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof Usage) { process.stderr.write(`bodycam store: ${err.message}\n\n${USAGE}`); return 2; }
    const code = err instanceof OpError || err instanceof ConfigError ? '' : ` (${(err as { code?: string }).code ?? 'error'})`;
    process.stderr.write(`bodycam store: ${(err as Error).message}${code}\n`);
    return 1;
  } finally {
    await ctx?.close();
  }
}

/**
 * Unlock an account with the master key instead of an administrator's login: the way back in when every
 * administrator is locked. It works only on the store's own files (there is no HTTP route for it) and
 * only after the master key has opened the store's sealed signing key.
 */
async function breakGlass(ctx: StoreContext, sub: string | undefined, rest: string[], reason: string | undefined, keyFile: string | undefined): Promise<unknown> {
  if (sub !== 'unlock') throw new Usage('break-glass: unlock NAME --reason TEXT');
  const name = need(rest[0], 'NAME');
  const why = need(reason?.trim(), '--reason TEXT');
  const me = os.userInfo();
  const operator = `${me.username} (uid ${me.uid})${process.env.SUDO_USER ? ` via sudo from ${process.env.SUDO_USER}` : ''} on ${os.hostname()}`;
  const prove = async () => {
    const sealed = storePaths(ctx.config).signingKey;
    if (!existsSync(sealed)) throw new OpError('conflict', `break-glass: ${sealed} does not exist, so the master key cannot be checked (start the server once first)`);
    const master = await resolveMasterKey(ctx.config, process.env, keyFile);
    try { openSigningKey(sealed, master); } catch { throw new OpError('forbidden', 'break-glass: refused: the master key given does not open this store'); }
  };
  const u = await ctx.ops.breakGlassUnlock(name, { reason: why.slice(0, 500), operator, prove });
  return { unlocked: u.username, role: u.role, by: 'break-glass', operator };
}

type Values = Record<string, string | boolean | undefined>;
const need = (v: string | undefined, what: string): string => { if (!v) throw new Usage(`${what} is required`); return v; };

const REDACT_SUBS = ['start', 'show', 'keep', 'unkeep', 'box', 'unbox', 'mute', 'unmute', 'reason', 'preview', 'approve'];

/** `bodycam store redact ...`: each subcommand is one logged operation (approve: approve, then package). */
async function redact(ctx: StoreContext, me: string, sub: string, rest: string[], v: Values): Promise<unknown> {
  const ops = ctx.ops;
  const s = (k: string) => v[k] as string | undefined;
  if (sub === 'start') return ops.redactStart(me, { clipIds: rest, subject: s('subject') });
  const caseId = need(rest[0], 'CASE');
  if (sub === 'show') return ops.redactShow(me, caseId);
  if (sub === 'approve') {
    const approved = await ops.redactApprove(me, caseId);
    const pkg = await ops.redactPackage(me, caseId, path.resolve(s('out')!));
    return { approved, ...pkg, note: 'deliver the password separately from the copy; it is not stored anywhere' };
  }
  const clipId = need(rest[1], 'CLIP');
  const num = (x: string, what: string) => { if (!/^\d+(\.\d+)?$/.test(x)) throw new OpError('bad-input', `${what}: a number, got ${JSON.stringify(x)}`); return Number(x); };
  switch (sub) {
    case 'preview': {
      const file = path.resolve(s('out')!);
      await writeOut(await ops.redactPreview(me, caseId, clipId), file);
      return { caseId, clipId, written: file };
    }
    case 'keep': case 'unkeep': return ops.redactEdit(me, caseId, { clipId, [sub]: rest.slice(2) });
    case 'unbox': return ops.redactEdit(me, caseId, { clipId, removeBoxes: [need(rest[2], 'BOX')] });
    case 'box': {
      const fr = need(s('frames'), '--frames A-B').split('-');
      const b = need(s('box'), '--box X,Y,W,H').split(',');
      if (fr.length !== 2 || b.length !== 4) throw new OpError('bad-input', '--frames A-B and --box X,Y,W,H');
      const [x, y, w, h] = b.map((p) => num(p, '--box'));
      return ops.redactEdit(me, caseId, { clipId, addBoxes: [{ from: num(fr[0]!, '--frames'), to: num(fr[1]!, '--frames'), x, y, w, h, ...(s('note') ? { note: s('note') } : {}) }] });
    }
    case 'mute':
      if (v.all) return ops.redactEdit(me, caseId, { clipId, muteAll: true });
      return ops.redactEdit(me, caseId, { clipId, addMutes: [{ from: num(need(s('from'), '--from S'), '--from'), to: num(need(s('to'), '--to S'), '--to') }] });
    case 'unmute': return ops.redactEdit(me, caseId, { clipId, clearMutes: true, muteAll: false });
    default: return ops.redactEdit(me, caseId, { clipId, reason: s('reason') ?? '' });
  }
}

async function dispatch(ctx: StoreContext, pos: string[], v: Values, pw: () => Promise<string>): Promise<unknown> {
  const [cmd, sub, ...rest] = pos;
  const s = (k: string) => v[k] as string | undefined;
  const secret = async (env: string) => process.env[env] || pw();
  if (cmd === 'bootstrap-admin') {
    const name = need(sub ?? s('user'), 'NAME');
    const u = await ctx.ops.bootstrapAdmin(name, await secret('BODYCAM_PASSWORD'));
    return { created: u.username, role: u.role };
  }
  if (cmd === 'break-glass') return breakGlass(ctx, sub, rest, s('reason'), s('master-key-file'));
  const known = ['user', 'search', 'view', 'hold', 'unhold', 'delete', 'export', 'dsar', 'redact', 'incidents', 'review', 'receipts', 'log', 'retention', 'records'];
  if (!known.includes(cmd)) throw new Usage(`unknown command ${JSON.stringify(cmd)}`);
  const subs: Record<string, string[]> = { redact: REDACT_SUBS, user: ['list', 'add', 'role', 'unlock', 'disable', 'enable'], log: ['verify', 'purge'], retention: ['run'], records: ['purge'] };
  if (subs[cmd] && !subs[cmd].includes(sub)) throw new Usage(`${cmd}: one of ${subs[cmd].join(', ')}`);
  const clip = () => need(sub, 'CLIP');
  if ((['view', 'export', 'dsar'].includes(cmd) || (cmd === 'redact' && ['preview', 'approve'].includes(sub))) && existsSync(need(s('out'), '-o FILE'))) throw new OpError('bad-input', `-o ${s('out')}: exists (not overwritten)`);
  // Log in (logged, lockout applies) before anything else.
  const me = (await ctx.ops.login(need(s('user'), '--user NAME'), await secret('BODYCAM_PASSWORD'))).username;
  const ops = ctx.ops;
  switch (cmd) {
    case 'user': {
      const name = () => need(rest[0], 'NAME');
      if (sub === 'list') return ops.listUsers(me);
      if (sub === 'add') return ops.createUser(me, { username: name(), role: need(s('role'), '--role ROLE'), password: await secret('BODYCAM_NEW_PASSWORD') });
      if (sub === 'role') return ops.setRole(me, name(), { role: need(rest[1], 'ROLE'), reason: need(s('reason'), '--reason TEXT') });
      if (sub === 'unlock') return ops.unlock(me, name(), s('reason') === undefined ? undefined : { reason: s('reason') });
      if (sub === 'enable') return ops.enable(me, name(), { reason: need(s('reason'), '--reason TEXT') });
      return ops.disable(me, name(), { reason: need(s('reason'), '--reason TEXT') });
    }
    case 'search': {
      const q = Object.fromEntries(Object.entries({ clipId: s('clip-id'), deviceId: s('device-id'), purpose: s('purpose'), from: s('from'), to: s('to'), onHold: s('on-hold'), limit: s('limit') }).filter(([, x]) => x !== undefined));
      return ops.search(me, q);
    }
    case 'view': {
      const file = path.resolve(s('out')!);
      for (const f of await cleanSiblings(file)) process.stderr.write(`bodycam store: removed ${f} (a view that was killed; overwritten, then unlinked)\n`);
      const stream = await ops.video(me, clip(), 'download');
      await writeOut(stream, file, ctx.config.dataDir).catch((err) => { ops.streamFailed(me, 'download', clip(), err); throw err; });
      return { clipId: sub, written: file };
    }
    case 'hold': return ops.hold(me, clip(), { reason: s('reason'), caseNumber: s('case') });
    case 'unhold': return ops.unhold(me, clip(), { reason: s('reason') });
    case 'delete': return ops.delete(me, clip(), { reason: s('reason') });
    case 'export': return { ...await ops.exportPolice(me, { clipIds: [clip(), ...rest], journalNumber: s('journal'), recipient: s('recipient') }, path.resolve(s('out')!)), note: 'deliver the password separately from the package; it is not stored anywhere' };
    case 'dsar': return { ...await ops.dsar(me, { clipIds: [clip(), ...rest], subject: s('subject') }, path.resolve(s('out')!)), note: 'deliver the password separately from the copy; it is not stored anywhere' };
    case 'redact': return redact(ctx, me, sub, rest, v);
    case 'incidents': return ops.incidents(me, s('kind') ? { kind: s('kind') } : {});
    case 'review': { const r = await ops.review(me); return v.json ? r : reviewText(r); }
    case 'receipts': return ops.deletionReceipts(me, s('since') ? { since: s('since') } : {});
    case 'log': {
      if (sub === 'purge') return ops.purgeLog(me);
      const r = await ops.verifyLog(me);
      if (!r.ok) throw new OpError('conflict', `access log chain broken at seq ${r.badSeq}: ${r.reason}`);
      return r;
    }
    case 'records': return ops.purgeRecords(me);
    default: return ops.runRetention(me);
  }
}
