import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import type { KeyResolver } from '../../auth/middleware.ts';
import { createApiKey, getApiKey, listApiKeys, listGlobalKeys, revokeApiKey } from '../../db/queries/api-keys.ts';
import { getProject, insertProject, listProjects } from '../../db/queries/projects.ts';
import { toApiKeyJson, toProjectJson } from '../../db/serialize.ts';
import { conflict, notFound } from '../../http/errors.ts';
import { idParam, jsonBody, parseWith } from '../../http/validate.ts';
import { createGlobalKeySchema, createKeySchema, createProjectSchema } from '../../schemas/project.ts';
import { projectIdSchema } from '../../schemas/report.ts';

/** `http(s)://<key>@<host>/<dsn_id>`, the form every Sentry SDK accepts. */
export function buildDsn(baseUrl: string, apiKey: string, dsnId: number): string {
  const url = new URL(baseUrl);
  url.username = apiKey;
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${dsnId}`;
  return url.toString();
}

export function publicBaseUrl(c: Context, deps: AppDeps): string {
  return deps.config.publicUrl ?? new URL(c.req.url).origin;
}

export function projectRoutes(deps: AppDeps, keys: KeyResolver) {
  const app = new Hono<AppEnv>();

  const projectParam = async (c: Context) => {
    const id = parseWith(projectIdSchema, c.req.param('id'), 'project id');
    const project = await getProject(deps.db, id);
    if (!project) throw notFound('project');
    return project;
  };

  app.get('/projects', async (c) => {
    const rows = await listProjects(deps.db);
    return c.json({ items: rows.map(toProjectJson) });
  });

  app.post('/projects', async (c) => {
    const body = await jsonBody(c, createProjectSchema);
    const project = await insertProject(deps.db, body.id, body.name ?? body.id);
    if (!project) throw conflict(`project "${body.id}" already exists`);
    const { apiKey } = await createApiKey(deps.db, project.id, 'default');
    return c.json(
      { ...toProjectJson(project), api_key: apiKey, dsn: buildDsn(publicBaseUrl(c, deps), apiKey, project.dsnId) },
      201,
    );
  });

  app.get('/projects/:id', async (c) => c.json(toProjectJson(await projectParam(c))));

  app.get('/projects/:id/keys', async (c) => {
    const project = await projectParam(c);
    const rows = await listApiKeys(deps.db, project.id);
    return c.json({ items: rows.map(toApiKeyJson) });
  });

  app.post('/projects/:id/keys', async (c) => {
    const project = await projectParam(c);
    const body = await jsonBody(c, createKeySchema);
    const { row, apiKey } = await createApiKey(deps.db, project.id, body.name ?? '');
    return c.json(
      {
        id: row.id,
        api_key: apiKey,
        project_id: project.id,
        dsn: buildDsn(publicBaseUrl(c, deps), apiKey, project.dsnId),
      },
      201,
    );
  });

  app.get('/keys', async (c) => {
    const rows = await listGlobalKeys(deps.db);
    return c.json({ items: rows.map(toApiKeyJson) });
  });

  app.post('/keys', async (c) => {
    const body = await jsonBody(c, createGlobalKeySchema);
    const { row, apiKey } = await createApiKey(deps.db, null, body.name ?? '');
    return c.json({ id: row.id, api_key: apiKey, project_id: null }, 201);
  });

  app.delete('/keys/:id', async (c) => {
    const id = idParam(c);
    const row = await revokeApiKey(deps.db, id, deps.clock());
    if (!row) {
      if (await getApiKey(deps.db, id)) throw conflict('key already revoked');
      throw notFound('key');
    }
    keys.forget();
    return c.json(toApiKeyJson(row));
  });

  return app;
}
