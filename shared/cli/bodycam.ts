// `bodycam` command-line tool: one entry, each area owns its subcommands.
// Each module exports `run(args: string[]): Promise<number>` (the exit code).
const commands: Record<string, { about: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  clip: { about: 'inspect / decrypt clip files', load: () => import('../clip/cli.js') },
  pki: { about: 'organisation CA and evidence key epochs', load: () => import('../pki/cli.js') },
  provision: { about: 'issue camera / dock / technician identities', load: () => import('../pki/provision-cli.js') },
  fw: { about: 'pack, verify and flash firmware bundles', load: () => import('../../firmware/update/cli.js') },
  store: { about: 'central evidence store: users, clips, hold, export, access log', load: () => import('../../central-store/cli.js') },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    const lines = Object.entries(commands).map(([k, v]) => `  ${k.padEnd(10)} ${v.about}`);
    process.stderr.write(`usage: bodycam <command> ...\n\ncommands:\n${lines.join('\n')}\n`);
    return name ? 2 : 0;
  }
  try {
    return await (await cmd.load()).run(rest);
  } catch (err) {
    process.stderr.write(`bodycam ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
