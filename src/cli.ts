/**
 * `safecall <command>`: the admin's command line. Each command is a module in src/cli/ exporting
 * `summary` (one line for --help) and `run(args)` returning the exit code. Read-only commands read the
 * store's files directly (writes are atomic renames, so a read never sees a torn file) and never write.
 */
export interface CliCommand {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<CliCommand>> = {
  'content check': () => import('./cli/content-check.js').then((m) => m.command),
  ask: () => import('./cli/ask.js').then((m) => m.command),
  status: () => import('./cli/status.js').then((m) => m.command),
  reports: () => import('./cli/reports.js').then((m) => m.command),
  keys: () => import('./cli/keys.js').then((m) => m.command),
  'terms import': () => import('./cli/terms.js').then((m) => m.importCommand),
  'terms list': () => import('./cli/terms.js').then((m) => m.listCommand),
  'reminders report': () => import('./cli/reminders.js').then((m) => m.reportCommand),
  'reminders preview': () => import('./cli/reminders.js').then((m) => m.previewCommand),
  migrate: () => import('./cli/data.js').then((m) => m.migrateCommand),
  'export-data': () => import('./cli/data.js').then((m) => m.exportCommand),
  'import-data': () => import('./cli/data.js').then((m) => m.importCommand),
};

function help(): string {
  return 'Usage: safecall <command> [options]\n\nCommands:\n' +
    Object.keys(commands).map((name) => `  ${name}`).join('\n') +
    '\n\nRun `safecall <command> --help` for the options of one command.';
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const lines: string[] = ['Usage: safecall <command> [options]', '', 'Commands:'];
    for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(16)} ${(await load()).summary}`);
    lines.push('', 'Run `safecall <command> --help` for the options of one command.');
    console.log(lines.join('\n'));
    return 0;
  }
  // Longest match first, so "content check" wins over a future "content".
  const name = Object.keys(commands)
    .sort((a, b) => b.length - a.length)
    .find((n) => argv.slice(0, n.split(' ').length).join(' ') === n);
  if (!name) {
    console.error(`safecall: unknown command "${argv.join(' ')}"\n\n${help()}`);
    return 2;
  }
  const command = await commands[name]!();
  const rest = argv.slice(name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage: safecall ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  return command.run(rest);
}
