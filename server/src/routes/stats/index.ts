import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { dashboardStats } from '../../db/queries/stats.ts';
import { queryOf } from '../../http/validate.ts';
import { statsQuerySchema } from '../../schemas/stats.ts';

export function statsRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/stats', async (c) => c.json(await dashboardStats(deps.db, queryOf(c, statsQuerySchema), deps.clock())));
  return app;
}
