// `bodycam` command-line tool: one entry, each area owns its subcommands.
// Each module exports `run(args: string[]): Promise<number>` (the exit code) and its usage text.
// `bodycam --help` and `bodycam AREA [SUB] --help` print usage on stdout and exit 0.
interface Area { run(args: string[]): Promise<number>; USAGE?: string; usage?: string }
const commands: Record<string, { about: string; load: () => Promise<Area> }> = {
  clip: { about: 'inspect / decrypt clip files', load: () => import('./clip.js') },
  pki: { about: 'organisation CA and evidence key epochs', load: () => import('./pki.js') },
  provision: { about: 'issue camera / dock / technician identities', load: () => import('./provision.js') },
  fw: { about: 'pack, verify and flash firmware bundles', load: () => import('./fw.js') },
  store: { about: 'central evidence store: users, clips, hold, export, access log', load: () => import('./store.js') },
  camera: { about: 'a technician at a camera: set-clock (forced, with a reason)', load: () => import('./camera.js') },
};

const isHelp = (a: string) => a === '--help' || a === '-h';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    const lines = Object.entries(commands).map(([k, v]) => `  ${k.padEnd(10)} ${v.about}`);
    const text = `usage: bodycam <command> ...   (bodycam <command> --help for its usage)\n\ncommands:\n${lines.join('\n')}\n`;
    if (name && isHelp(name)) { process.stdout.write(text); return 0; }
    process.stderr.write(text);
    return name ? 2 : 0;
  }
  try {
    const area = await cmd.load();
    const flags = rest.indexOf('--') === -1 ? rest : rest.slice(0, rest.indexOf('--'));
    const usage = area.USAGE ?? area.usage;
    if (flags.some(isHelp) && usage) { process.stdout.write(usage); return 0; }
    return await area.run(rest);
  } catch (err) {
    process.stderr.write(`bodycam ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
