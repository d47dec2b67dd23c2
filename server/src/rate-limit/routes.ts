import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { updateProject } from '../db/queries/projects.ts';
import { toProjectJson } from '../db/serialize.ts';
import { notFound } from '../http/errors.ts';
import { jsonBody, parseWith } from '../http/validate.ts';
import { updateProjectSchema } from '../schemas/project.ts';
import { projectIdSchema } from '../schemas/report.ts';
import { projectRateLimits } from './project-limits.ts';

/** `PATCH /projects/:id`: rename a project or set its own rate limit (null: the server default). */
export function projectSettingsRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.patch('/projects/:id', async (c) => {
    const id = parseWith(projectIdSchema, c.req.param('id'), 'project id');
    const patch = await jsonBody(c, updateProjectSchema);
    const row = await updateProject(deps.db, id, {
      name: patch.name,
      rateLimitPerMinute: patch.rate_limit_per_minute,
    });
    if (!row) throw notFound('project');
    projectRateLimits(deps).setOverride(row.id, row.rateLimitPerMinute);
    return c.json(toProjectJson(row));
  });

  return app;
}
