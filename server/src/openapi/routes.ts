import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { buildOpenApiDocument, type OpenApiDocument } from './document.ts';
import { namedSchemas, routeSpecs } from './registry.ts';

export function openApiDocument(): OpenApiDocument {
  return buildOpenApiDocument(routeSpecs, namedSchemas, {
    title: 'Log Center API',
    version: '1',
    description: 'Self-hosted error tracking. Errors answer {"error": {"code", "message", "issues"?}}.',
  });
}

/** `GET /api/v1/openapi.json`, public like any API description. */
export function openApiRoutes() {
  const app = new Hono<AppEnv>();
  let document: OpenApiDocument | undefined;
  app.get('/openapi.json', (c) => {
    document ??= openApiDocument();
    return c.json(document);
  });
  return app;
}
