import { z } from 'zod';
import { createdProjectSchema, projectSchema } from '../../schemas/project.ts';
import { CliError, exitCodes } from '../api-client.ts';
import type { Command } from '../command.ts';
import { json, table } from '../format.ts';
import { stringOption } from './args.ts';

const projectListSchema = z.object({ items: z.array(projectSchema) });
const usage = 'log-center projects [--json] | log-center projects create <id> [--name NAME] [--json]';

export const projectsCommand: Command = {
  name: 'projects',
  usage,
  summary: 'list projects, or create one (prints its ingest key and DSN once)',
  options: { name: { type: 'string' } },
  async run(ctx, args) {
    const [action, id, ...rest] = args.positionals;
    if (action === 'create') {
      if (!id || rest.length > 0) throw new CliError(`usage: ${usage}`, exitCodes.usage);
      const name = stringOption(args.values, 'name');
      const project = await ctx.api.post('/api/v1/projects', { id, ...(name ? { name } : {}) }, createdProjectSchema);
      ctx.print(
        ctx.json
          ? json(project)
          : [`Created project ${project.id} (${project.name}).`, `Ingest key (shown once): ${project.api_key}`, `Sentry DSN:               ${project.dsn}`].join('\n'),
      );
      return;
    }
    if (action !== undefined) throw new CliError(`unknown "projects ${action}"; usage: ${usage}`, exitCodes.usage);
    const { items } = await ctx.api.get('/api/v1/projects', projectListSchema);
    if (ctx.json) ctx.print(json({ items }));
    else if (items.length === 0) ctx.print('No projects yet: log-center projects create <id>');
    else ctx.print(table(['ID', 'NAME', 'DSN ID', 'CREATED'], items.map((p) => [p.id, p.name, String(p.dsn_id), p.created_at])));
  },
};
