import { parseArgs } from 'node:util';
import { CliError, createApiClient, exitCodes } from './api-client.ts';
import type { CliContext, Command, ParsedArgs } from './command.ts';
import { bugCommand, ignoreCommand, resolveCommand } from './commands/bug.ts';
import { bugsCommand } from './commands/bugs.ts';
import { doctorCommand } from './commands/doctor.ts';
import { keysCommand } from './commands/keys.ts';
import { projectsCommand } from './commands/projects.ts';
import { readCliEnv } from './env.ts';

const commands: Command[] = [bugsCommand, bugCommand, resolveCommand, ignoreCommand, projectsCommand, keysCommand, doctorCommand];

function help(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: log-center <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --json (machine-readable output) and --help.',
    'Environment: LOG_CENTER_URL (default http://localhost:8080), LOG_CENTER_ADMIN_TOKEN',
    '(default: the token the server saved in $LOG_CENTER_DATA_DIR/admin-token, ./data by default).',
    'Exit codes: 0 ok, 1 the server refused or doctor found a problem, 2 bad usage, 3 server unreachable.',
  ].join('\n');
}

export async function runCli(argv: string[], env: Record<string, string | undefined>, print: (text: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(help());
    return name ? exitCodes.ok : exitCodes.usage;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) throw new CliError(`unknown command "${name}"\n\n${help()}`, exitCodes.usage);

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\nusage: ${command.usage}`, exitCodes.usage);
  }
  if (parsed.values.help) {
    print(`usage: ${command.usage}\n\n${command.summary}`);
    return exitCodes.ok;
  }

  const cliEnv = readCliEnv(env);
  const ctx: CliContext = {
    api: createApiClient({ url: cliEnv.url, token: cliEnv.token?.value }),
    env: cliEnv,
    json: parsed.values.json === true,
    now: () => new Date(),
    print,
  };
  // No option is declared `multiple`, so every value is a string or a boolean.
  const values = parsed.values as ParsedArgs['values'];
  return (await command.run(ctx, { values, positionals: parsed.positionals })) ?? exitCodes.ok;
}
