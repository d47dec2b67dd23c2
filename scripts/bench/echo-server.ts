// The ceiling for the ingest benchmark: a bare Hono app that parses the JSON body and answers JSON.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('*', async (c) => {
  const body = (await c.req.json()) as Record<string, unknown>;
  return c.json({ ok: true, keys: Object.keys(body).length }, 201);
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
