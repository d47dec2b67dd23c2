import { createdKeySchema } from '../../schemas/project.ts';
import { CliError, exitCodes } from '../api-client.ts';
import type { Command } from '../command.ts';
import { json } from '../format.ts';
import { stringOption } from './args.ts';

const usage = 'log-center keys create (--project <id> | --all) [--name NAME] [--json]';

export const keysCommand: Command = {
  name: 'keys',
  usage,
  summary: 'issue an ingest key for one project, or for all projects (shown once)',
  options: { project: { type: 'string' }, all: { type: 'boolean' }, name: { type: 'string' } },
  async run(ctx, args) {
    if (args.positionals.length !== 1 || args.positionals[0] !== 'create') throw new CliError(`usage: ${usage}`, exitCodes.usage);
    const project = stringOption(args.values, 'project');
    const all = args.values.all === true;
    if (Boolean(project) === all) throw new CliError(`give either --project <id> or --all; usage: ${usage}`, exitCodes.usage);
    const name = stringOption(args.values, 'name');
    const key = project
      ? await ctx.api.post(`/api/v1/projects/${encodeURIComponent(project)}/keys`, name ? { name } : {}, createdKeySchema)
      : await ctx.api.post('/api/v1/keys', { scope: 'all', ...(name ? { name } : {}) }, createdKeySchema);
    if (ctx.json) {
      ctx.print(json(key));
      return;
    }
    const lines = [
      `Created key ${key.id} for ${key.project_id ? `project ${key.project_id}` : 'all projects'}.`,
      `Ingest key (shown once): ${key.api_key}`,
    ];
    if (key.dsn) lines.push(`Sentry DSN:               ${key.dsn}`);
    ctx.print(lines.join('\n'));
  },
};
