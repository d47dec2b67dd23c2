import { type Bug, bugDetailSchema, bugSchema } from '../../schemas/bug.ts';
import type { Command } from '../command.ts';
import { ago, json, table } from '../format.ts';
import { bugIdArg } from './args.ts';

export const bugCommand: Command = {
  name: 'bug',
  usage: 'log-center bug <id> [--json]',
  summary: 'show one bug: details, stack trace, recent occurrences',
  async run(ctx, args) {
    const id = bugIdArg(args, this.usage);
    const detail = await ctx.api.get(`/api/v1/bugs/${id}`, bugDetailSchema);
    if (ctx.json) {
      ctx.print(json(detail));
      return;
    }
    const { bug, occurrences } = detail;
    const now = ctx.now();
    const where = bug.file_path ? `${bug.file_path}${bug.line_number === null ? '' : `:${bug.line_number}`}` : '-';
    const fields: [string, string][] = [
      ['Project', bug.project_id],
      ['Status', `${bug.status}${bug.regressed ? ' (regressed)' : ''}`],
      ['Level', bug.level],
      ['Source', bug.source],
      ['Where', where],
      ['Environment', bug.environment],
      ['Release', bug.release ?? '-'],
      ['Occurrences', String(bug.occurrence_count)],
      ['First seen', `${bug.first_seen} (${ago(bug.first_seen, now)})`],
      ['Last seen', `${bug.last_seen} (${ago(bug.last_seen, now)})`],
    ];
    if (bug.assignee) fields.push(['Assignee', bug.assignee]);
    if (bug.claimed_by) fields.push(['Claimed by', `${bug.claimed_by} until ${bug.lease_until}`]);
    if (bug.fix_url || bug.fix_summary) fields.push(['Fix', [bug.fix_summary, bug.fix_url].filter(Boolean).join(' — ')]);
    if (bug.note) fields.push(['Note', bug.note]);
    const width = Math.max(...fields.map(([name]) => name.length));
    const lines = [`Bug ${bug.id}: ${bug.error_type}: ${bug.message}`, '', ...fields.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${value}`)];
    // The bug keeps the latest report's trace, which may be empty while an earlier occurrence has one.
    const stackTrace = bug.stack_trace ?? occurrences.find((o) => o.stack_trace)?.stack_trace;
    if (stackTrace) lines.push('', 'Stack trace:', ...stackTrace.split('\n').map((line) => `  ${line}`));
    if (occurrences.length > 0) {
      lines.push('', `Recent occurrences (${occurrences.length}):`);
      lines.push(table(['RECEIVED', 'LEVEL', 'ENV', 'MESSAGE'], occurrences.map((o) => [ago(o.received_at, now), o.level, o.environment, o.message])));
    }
    ctx.print(lines.join('\n'));
  },
};

/** `resolve` and `ignore`: one status change through `PATCH /api/v1/bugs/:id`. */
function statusCommand(name: 'resolve' | 'ignore', status: Bug['status'], summary: string): Command {
  return {
    name,
    usage: `log-center ${name} <id> [--json]`,
    summary,
    async run(ctx, args) {
      const id = bugIdArg(args, this.usage);
      const bug = await ctx.api.patch(`/api/v1/bugs/${id}`, { status }, bugSchema);
      ctx.print(ctx.json ? json(bug) : `Bug ${bug.id} is now ${bug.status}: ${bug.error_type}: ${bug.message}`);
    },
  };
}

export const resolveCommand = statusCommand('resolve', 'resolved', 'mark a bug resolved (a new occurrence reopens it as regressed)');
export const ignoreCommand = statusCommand('ignore', 'ignored', 'ignore a bug (its count still grows)');
