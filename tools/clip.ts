// `bodycam clip inspect FILE` and `bodycam clip decrypt --key PRIVATE.pem FILE -o OUT.ts [--allow-truncated]`.
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { ClipError, INSPECT_NOTE, decryptClip, inspectClip } from '../shared/clip/reader.js';

export const usage = `usage:
  bodycam clip inspect FILE
  bodycam clip decrypt --key PRIVATE.pem FILE -o OUT.ts [--allow-truncated]

inspect prints the header and cleartext metadata as JSON; they are NOT authenticated without the key.
Exit codes (docs/clip-format.md §8): 0 done; 1 unreadable file or bad header (inspect), other error
(decrypt); 2 usage; 3 decrypt refused the clip (reason on stderr, nothing written).
`;

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'inspect' && rest.length === 1) {
    process.stdout.write(JSON.stringify(inspectClip(rest[0]!), null, 2) + '\n');
    process.stderr.write(`note: ${INSPECT_NOTE}\n`);
    return 0;
  }
  if (sub === 'decrypt') return decrypt(rest);
  process.stderr.write(usage);
  return 2;
}

function decrypt(args: string[]): number {
  let key: string | undefined;
  let out: string | undefined;
  let file: string | undefined;
  let allowTruncated = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--key') key = args[++i];
    else if (a === '-o' || a === '--out') out = args[++i];
    else if (a === '--allow-truncated') allowTruncated = true;
    else if (!a.startsWith('-') && !file) file = a;
    else {
      process.stderr.write(`unknown argument ${a}\n${usage}`);
      return 2;
    }
  }
  if (!key || !out || !file) {
    process.stderr.write(`--key, FILE and -o are required\n${usage}`);
    return 2;
  }
  const pem = readFileSync(key);
  // Decrypt to a temporary name so a refused clip never leaves a plausible-looking OUT behind.
  const tmp = `${out}.partial`;
  try {
    const st = decryptClip(file, pem, tmp, { allowTruncated });
    renameSync(tmp, out);
    if (st.truncated) process.stderr.write(`warning: ${st.truncatedReason}; wrote the verified prefix (${st.segments} segments)\n`);
    if (st.payloadsNotWholeTs) process.stderr.write(`warning: ${st.payloadsNotWholeTs} segment payloads are not whole MPEG-TS packets (written as stored)\n`);
    process.stdout.write(JSON.stringify({ out, segments: st.segments, payloadBytes: st.payloadBytes, truncated: st.truncated, payloadsNotWholeTs: st.payloadsNotWholeTs, meta: st.meta, finalMeta: st.finalMeta }) + '\n');
    return 0;
  } catch (err) {
    rmSync(tmp, { force: true });
    const reason = err instanceof ClipError ? err.reason : 'error';
    process.stderr.write(`clip refused (${reason}): ${(err as Error).message}\n`);
    return reason === 'error' ? 1 : 3;
  }
}
