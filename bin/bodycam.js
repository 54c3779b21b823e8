#!/usr/bin/env node
// `bodycam` as npm installs it (package.json "bin"). In a checkout it runs the TypeScript entry through
// tsx, so `npx bodycam` works right after `npm ci` and never runs a stale build; where only the tsup
// bundle is deployed (no sources, or no tsx after `npm ci --omit=dev`) it runs dist/bodycam.js.
import { existsSync } from 'node:fs';

const src = new URL('../tools/bodycam.ts', import.meta.url);
const dist = new URL('../dist/bodycam.js', import.meta.url);
let tsx = null;
if (existsSync(src)) tsx = await import('tsx/esm/api').catch(() => null);
if (tsx) {
  tsx.register();
  await import(src.href);
} else if (existsSync(dist)) {
  await import(dist.href);
} else {
  process.stderr.write('bodycam: no dist/bodycam.js (run `npm run build`) and no tsx to run the sources (run `npm ci`)\n');
  process.exit(1);
}
