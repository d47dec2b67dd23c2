import { Hono } from 'hono';
import type { Metrics } from './metrics.ts';

/** `GET /metrics`: Prometheus text exposition, unauthenticated like `/healthz`; labels carry no report data. */
export function metricsRoutes(metrics: Metrics) {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
  return app;
}
