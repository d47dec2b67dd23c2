import { parseArgs } from 'node:util';
import { z } from 'zod';
import { levelSchema, projectIdSchema } from '../../../server/src/schemas/report.ts';
import { createCollector, senderFor } from './collector.ts';
import { StateFileError } from './state-file.ts';

const usage = `Usage: npm run file-collector -- [options] <file.jsonl>...

Follows JSON-lines log files (pino, structlog, Python logging JSON) and forwards entries
at ERROR and above to Log Center as runtime reports.

Options:
  --project <id>      project to report for (required with an all-project key)
  --state <file>      where offsets are remembered (default ./log-center-collector.state.json)
  --min-level <level> lowest level forwarded (default ERROR)
  --interval <ms>     poll interval in milliseconds (default 1000)
  --environment <e>   environment of the reports
  --release <r>       release of the reports
  --from-end          start files seen for the first time at their end
  --once              read every file to its end, deliver, and exit
  --dry-run           print the reports as JSON lines instead of sending them (state is not saved)

Environment: LOG_CENTER_URL, LOG_CENTER_API_KEY.`;

const envSchema = z.object({
  LOG_CENTER_URL: z.url('must be a URL such as http://localhost:8080'),
  LOG_CENTER_API_KEY: z.string().regex(/^[0-9a-f]{32}$/i, 'must be a 32-hex ingest key'),
});

class UsageError extends Error {}

function options(argv: string[]) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        project: { type: 'string' },
        state: { type: 'string', default: './log-center-collector.state.json' },
        'min-level': { type: 'string', default: 'ERROR' },
        interval: { type: 'string', default: '1000' },
        environment: { type: 'string' },
        release: { type: 'string' },
        'from-end': { type: 'boolean' },
        once: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const str = (name: string) => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
  const minLevel = levelSchema.safeParse(str('min-level'));
  if (!minLevel.success) throw new UsageError(`--min-level: ${minLevel.error.issues[0].message}`);
  const interval = Number(str('interval'));
  if (!Number.isInteger(interval) || interval < 50) throw new UsageError('--interval must be a whole number of milliseconds, at least 50');
  const project = str('project');
  if (project && !projectIdSchema.safeParse(project).success) throw new UsageError(`--project "${project}" is not a project id (a lowercase slug)`);
  return {
    help: v.help === true,
    files: parsed.positionals,
    project,
    state: str('state') as string,
    minLevel: minLevel.data,
    interval,
    environment: str('environment'),
    release: str('release'),
    fromEnd: v['from-end'] === true,
    once: v.once === true,
    dryRun: v['dry-run'] === true,
  };
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  if (opts.help) {
    console.log(usage);
    return 0;
  }
  if (opts.files.length === 0) throw new UsageError('name at least one log file');
  const log = (message: string) => console.error(`file-collector: ${message}`);

  let send: Parameters<typeof createCollector>[0]['send'];
  if (opts.dryRun) {
    send = async (reports) => {
      for (const report of reports) console.log(JSON.stringify(report));
      return { accepted: reports.length, rejected: [] };
    };
  } else {
    const env = envSchema.safeParse(process.env);
    if (!env.success) {
      throw new UsageError(env.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; '));
    }
    send = senderFor({
      url: env.data.LOG_CENTER_URL,
      apiKey: env.data.LOG_CENTER_API_KEY,
      maxAttempts: opts.once ? 5 : 3,
      onRetry: ({ delayMs, reason }) => log(`${reason}; retrying in ${delayMs} ms`),
    });
  }

  const collector = await createCollector({
    files: opts.files,
    stateFile: opts.state,
    persist: !opts.dryRun,
    minLevel: opts.minLevel,
    projectId: opts.project,
    environment: opts.environment,
    release: opts.release,
    fromEnd: opts.fromEnd,
    send,
    log,
  });

  if (opts.once || opts.dryRun) {
    const result = await collector.pass();
    if (!opts.dryRun) log(`forwarded ${result.forwarded}, rejected ${result.rejected}, skipped ${result.skipped} lines below ${opts.minLevel} or not JSON`);
    return 0;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => collector.stop());
  log(`following ${opts.files.length} file(s), state in ${opts.state}`);
  await collector.run(opts.interval);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    const known = error instanceof UsageError || error instanceof StateFileError;
    console.error(`file-collector: ${known ? error.message : `failed: ${(error as Error).message}`}`);
    if (error instanceof UsageError) console.error('Run with --help for the options.');
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
