import { type Bug, bugListSchema } from '../../schemas/bug.ts';
import { CliError, exitCodes } from '../api-client.ts';
import type { Command } from '../command.ts';
import { ago, json, table } from '../format.ts';
import { noPositionals, stringOption } from './args.ts';

const pageSize = 200;
const usage = 'log-center bugs [--project P] [--source S] [--status S] [--level L] [--env E] [--query TEXT] [--sort last_seen|first_seen|count] [--limit N] [--json]';

export const bugsCommand: Command = {
  name: 'bugs',
  usage,
  summary: 'list bugs, most recently seen first (filters take comma lists)',
  options: {
    project: { type: 'string' },
    source: { type: 'string' },
    status: { type: 'string' },
    level: { type: 'string' },
    env: { type: 'string' },
    query: { type: 'string', short: 'q' },
    sort: { type: 'string' },
    limit: { type: 'string', short: 'n' },
  },
  async run(ctx, args) {
    noPositionals(args, usage);
    const limitText = stringOption(args.values, 'limit') ?? '20';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new CliError(`--limit must be a whole number from 1 to 10000, not "${limitText}"`, exitCodes.usage);
    }
    const filters = {
      project_id: stringOption(args.values, 'project'),
      source: stringOption(args.values, 'source'),
      status: stringOption(args.values, 'status'),
      level: stringOption(args.values, 'level'),
      environment: stringOption(args.values, 'env'),
      q: stringOption(args.values, 'query'),
      sort: stringOption(args.values, 'sort'),
    };

    const items: Bug[] = [];
    let cursor: string | undefined;
    let more = false;
    do {
      const page = await ctx.api.get('/api/v1/bugs', bugListSchema, {
        ...filters,
        limit: Math.min(pageSize, limit - items.length),
        cursor,
      });
      items.push(...page.items);
      cursor = page.next_cursor ?? undefined;
      more = cursor !== undefined;
    } while (more && items.length < limit);

    if (ctx.json) {
      ctx.print(json({ items, next_cursor: cursor ?? null }));
      return;
    }
    if (items.length === 0) {
      ctx.print('No bugs match.');
      return;
    }
    const now = ctx.now();
    ctx.print(
      table(
        ['ID', 'STATUS', 'LEVEL', 'SOURCE', 'PROJECT', 'COUNT', 'LAST SEEN', 'ERROR'],
        items.map((bug) => [
          String(bug.id),
          bug.regressed && bug.status === 'new' ? 'new (regressed)' : bug.status,
          bug.level,
          bug.source,
          bug.project_id,
          String(bug.occurrence_count),
          ago(bug.last_seen, now),
          `${bug.error_type}: ${bug.message}`,
        ]),
      ),
    );
    if (more) ctx.print(`(first ${items.length}; raise --limit for more)`);
  },
};
