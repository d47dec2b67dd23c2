import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { errorBody } from '../../http/errors.ts';

const readyTimeoutMs = 3000;

export function opsRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.db.execute(sql`select 1`),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('database ping timed out')), readyTimeoutMs);
        }),
      ]);
      return c.json({ status: 'ready' });
    } catch {
      c.header('Retry-After', '5');
      return c.json(errorBody('unavailable', 'the database is not reachable'), 503);
    } finally {
      clearTimeout(timer);
    }
  });

  return app;
}
