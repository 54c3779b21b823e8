// Not built yet: this subcommand's issue is still open.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('not built yet\n');
  return 2;
}
