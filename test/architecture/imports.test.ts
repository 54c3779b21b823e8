// The import boundary between programs (issue 13): the camera (firmware/), the dock (dock-agent/) and the
// central store (central-store/) each import only shared/ and their own folder. Never the simulator
// (hardware-sim/ wraps the programs, not the other way round) nor the host tools (tools/); shared/, the
// ground floor, imports none of them. Every import is read by esbuild's parser, type-only ones included.
import test from 'ava';
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = process.cwd();
const PROGRAMS = ['firmware', 'dock-agent', 'central-store'];
const NEVER = ['hardware-sim', 'tools'];

// Cross-program imports allowed, importer → imported (repo paths): none since issue 13, and it stays
// empty: what two programs need goes to shared/, a host tool to tools/.
const KNOWN_CROSS_PROGRAM = new Set<string>([
]);

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

interface Edge { from: string; spec: string; to: string | null }

/** Every import/export-from/import()/require of `files`, with the repo path it names (null: a package). */
async function importsOf(files: string[]): Promise<Edge[]> {
  const edges: Edge[] = [];
  await build({
    entryPoints: files.map((f) => path.join(ROOT, f)), bundle: true, write: false, outdir: path.join(ROOT, 'unused'),
    platform: 'node', format: 'esm', logLevel: 'silent',
    // Keep imports whose bindings are only types: they are dependencies too.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    plugins: [{
      name: 'record-imports',
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (a) => ({
          loader: 'ts',
          contents: readFileSync(a.path, 'utf8')
            .replace(/\bimport\s+type\s+(?=[\w{*])/g, 'import ')
            .replace(/\bexport\s+type\s+(?=(\{[^}]*\}|\*)\s*from\b)/g, 'export '),
        }));
        b.onResolve({ filter: /.*/ }, (a) => {
          if (a.kind === 'entry-point') return undefined;
          const from = path.relative(ROOT, a.importer);
          const to = a.path.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(a.importer), a.path)).replace(/\.js$/, '.ts') : null;
          edges.push({ from, spec: a.path, to });
          return { path: a.path, external: true };
        });
      },
    }],
  });
  return edges;
}

const top = (p: string) => p.split(path.sep)[0]!;

const edges = importsOf([...PROGRAMS, 'shared'].flatMap(tsFiles));

test('the parser sees imports, type-only ones included', async (t) => {
  const all = await edges;
  const has = (from: string, to: string) => all.some((e) => e.from === from && e.to === to);
  t.true(has('firmware/boot.ts', 'firmware/camera-app.ts'));
  t.true(has('firmware/camera-app.ts', 'shared/hal.ts'), 'import type { ... } from shared/hal');
  t.true(all.length > 200, `${all.length} imports`);
});

test('no program (nor shared/) imports the simulator or the host tools', async (t) => {
  const bad = (await edges).filter((e) => e.to !== null && NEVER.includes(top(e.to))).map((e) => `${e.from} → ${e.to}`);
  t.deepEqual(bad, []);
});

test('no program imports another program, nor shared/ a program, beyond the known ones listed here', async (t) => {
  const cross = [...new Set((await edges)
    .filter((e) => e.to !== null && PROGRAMS.includes(top(e.to)) && top(e.to) !== top(e.from))
    .map((e) => `${e.from} → ${e.to}`))];
  t.deepEqual(cross.filter((c) => !KNOWN_CROSS_PROGRAM.has(c)), [], 'new cross-program imports: move what both need to shared/');
  t.deepEqual([...KNOWN_CROSS_PROGRAM].filter((k) => !cross.includes(k)), [], 'gone: remove these from KNOWN_CROSS_PROGRAM');
});

test('programs import only their own folder, shared/ and packages', async (t) => {
  const outside = (await edges).filter((e) => e.to !== null && ![top(e.from), 'shared', ...PROGRAMS, ...NEVER].includes(top(e.to)));
  t.deepEqual(outside.map((e) => `${e.from} → ${e.spec}`), []);
});

test('the face detector (human, tfjs) is named only in central-store/redaction/: never by the camera, the dock or shared/', async (t) => {
  // By text, not by import edges: the detector is loaded by path (require.resolve), which no parser sees as an import.
  const naming = [...PROGRAMS, 'shared'].flatMap(tsFiles).filter((f) => /@(vladmandic|tensorflow)\//.test(readFileSync(path.join(ROOT, f), 'utf8')));
  t.true(naming.includes(path.join('central-store', 'redaction', 'detector.ts')), 'the check sees the detector');
  t.deepEqual(naming.filter((f) => !f.startsWith(path.join('central-store', 'redaction') + path.sep)), []);
  // Nothing of the camera's, the dock's or shared/ reaches the redaction folder.
  const into = (await edges).filter((e) => e.to?.startsWith(path.join('central-store', 'redaction')) && !e.from.startsWith('central-store')).map((e) => `${e.from} → ${e.to}`);
  t.deepEqual(into, []);
});
