import { parseArgs } from 'node:util';
import { z } from 'zod';

export class UsageError extends Error {}

export const usage = `Usage: k8s-monitor (--once | --every <interval>) [options]

  --once                      one scan, then exit (0 when the scan and the send worked)
  --every <interval>          scan now and then on a schedule: 30s, 5m, 1h
  --dry-run                   print the reports as JSON lines instead of sending them
  --namespace <ns>            scan only this namespace (repeatable; default: all)
  --exclude-namespace <ns>    skip this namespace (repeatable; default: kube-system)
  --selector <selector>       label selector, e.g. app=api,tier!=batch
  --min-restarts <n>          ignore crash loops with fewer restarts (default 0)
  --image-pull-grace <time>   ignore image pull errors of pods younger than this (default 2m)
  --help

Environment: LOG_CENTER_URL, LOG_CENTER_API_KEY (not needed with --dry-run), KUBECONFIG.`;

export type MonitorOptions = {
  mode: { kind: 'once' } | { kind: 'every'; intervalMs: number; cron: string };
  dryRun: boolean;
  namespaces: string[];
  excludeNamespaces: string[];
  labelSelector?: string;
  minRestarts: number;
  imagePullGraceMs: number;
  url?: string;
  apiKey?: string;
};

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(value: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(value.trim());
  if (!match) throw new UsageError(`"${value}" is not a duration like 30s, 5m or 1h`);
  return Number(match[1]) * units[match[2]];
}

/** node-cron fires on calendar boundaries, so only intervals that divide their unit evenly repeat evenly. */
export function cronFor(value: string): string {
  const ms = parseDuration(value);
  const [, amount, unit] = /^(\d+)(s|m|h)$/.exec(value.trim()) as RegExpExecArray;
  const n = Number(amount);
  if (unit === 's' && n > 0 && 60 % n === 0) return `*/${n} * * * * *`;
  if (unit === 'm' && n > 0 && 60 % n === 0) return `*/${n} * * * *`;
  if (unit === 'h' && n > 0 && 24 % n === 0) return `0 */${n} * * *`;
  if (ms === 86_400_000) return '0 0 * * *';
  throw new UsageError(`--every ${value}: use seconds or minutes dividing 60 (30s, 5m, 15m) or hours dividing 24 (1h, 6h)`);
}

const envSchema = z.object({
  LOG_CENTER_URL: z.url('must be a URL like https://logs.example.com').optional(),
  LOG_CENTER_API_KEY: z.string().trim().min(1).optional(),
});

export function parseOptions(argv: string[], env: Record<string, string | undefined>): MonitorOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        once: { type: 'boolean' },
        every: { type: 'string' },
        'dry-run': { type: 'boolean' },
        namespace: { type: 'string', multiple: true },
        'exclude-namespace': { type: 'string', multiple: true },
        selector: { type: 'string' },
        'min-restarts': { type: 'string' },
        'image-pull-grace': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values.once && values.every) throw new UsageError('use either --once or --every, not both');
  if (!values.once && !values.every) throw new UsageError('say --once or --every <interval>');

  const minRestarts = Number(values['min-restarts'] ?? 0);
  if (!Number.isInteger(minRestarts) || minRestarts < 0) throw new UsageError('--min-restarts must be a whole number ≥ 0');

  const parsedEnv = envSchema.safeParse({
    LOG_CENTER_URL: env.LOG_CENTER_URL || undefined,
    LOG_CENTER_API_KEY: env.LOG_CENTER_API_KEY || undefined,
  });
  if (!parsedEnv.success) {
    throw new UsageError(parsedEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  const dryRun = values['dry-run'] ?? false;
  if (!dryRun && (!parsedEnv.data.LOG_CENTER_URL || !parsedEnv.data.LOG_CENTER_API_KEY)) {
    throw new UsageError('set LOG_CENTER_URL and LOG_CENTER_API_KEY (or use --dry-run)');
  }

  return {
    mode: values.every
      ? { kind: 'every', intervalMs: parseDuration(values.every), cron: cronFor(values.every) }
      : { kind: 'once' },
    dryRun,
    namespaces: values.namespace ?? [],
    excludeNamespaces: values['exclude-namespace'] ?? ['kube-system'],
    labelSelector: values.selector,
    minRestarts,
    imagePullGraceMs: parseDuration(values['image-pull-grace'] ?? '2m'),
    url: parsedEnv.data.LOG_CENTER_URL,
    apiKey: parsedEnv.data.LOG_CENTER_API_KEY,
  };
}
