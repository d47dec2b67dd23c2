import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv } from './app-env.ts';
import { createKeyResolver, requireAdmin } from './auth/middleware.ts';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { BugEvents } from './events.ts';
import { bodySizeLimit } from './http/body.ts';
import { ApiError, errorBody, errorResponse } from './http/errors.ts';
import { sameOriginForCookieAuth, securityHeaders } from './http/security.ts';
import { authFailureGuard } from './rate-limit/auth-failures.ts';
import { withRateLimit } from './rate-limit/project-limits.ts';
import { projectSettingsRoutes } from './rate-limit/routes.ts';
import { createReportWriter, ingestRoutes } from './ingest/routes.ts';
import { openApiRoutes } from './openapi/routes.ts';
import { sentryRoutes } from './ingest/sentry/routes.ts';
import { bugRoutes } from './routes/bugs/index.ts';
import { opsRoutes } from './routes/ops/index.ts';
import { projectRoutes } from './routes/projects/index.ts';
import { sessionRoutes } from './routes/session/index.ts';
import { statsRoutes } from './routes/stats/index.ts';
import { taskRoutes } from './routes/tasks/index.ts';
import { streamRoutes } from './routes/stream/index.ts';
import { webRoutes } from './routes/web/index.ts';
import { alertRoutes } from './routes/alerts/index.ts';
import { metricsMiddleware } from './metrics/http.ts';
import { type Metrics, createMetrics } from './metrics/metrics.ts';
import { metricsRoutes } from './metrics/routes.ts';

export type CreateAppOptions = {
  db: Db;
  config: Config;
  adminToken: string;
  clock?: () => Date;
  events?: BugEvents;
  metrics?: Metrics;
};

export function createApp(options: CreateAppOptions) {
  const deps: AppDeps = {
    db: options.db,
    config: options.config,
    adminToken: options.adminToken,
    clock: options.clock ?? (() => new Date()),
    events: options.events ?? new BugEvents(),
    metrics: options.metrics ?? createMetrics(),
  };
  deps.metrics.observeBugEvents(deps.events);
  deps.metrics.watchDatabase(deps.db, { poolSize: deps.config.databaseUrl ? deps.config.dbPoolSize : undefined });
  const keys = createKeyResolver(deps);
  // Leave connections for reads while ingest transactions are in flight.
  const writeReports = withRateLimit(
    deps,
    createReportWriter(deps, {
      ...deps.config.ingest,
      maxInFlight: Math.max(1, Math.min(deps.config.ingest.maxInFlight, deps.config.dbPoolSize - 2)),
    }),
  );
  const admin = requireAdmin(deps);

  const app = new Hono<AppEnv>();

  app.use('*', metricsMiddleware(deps.metrics));
  app.use('*', securityHeaders());
  app.use('/api/*', authFailureGuard(deps));
  app.use('/api/*', sameOriginForCookieAuth(deps));
  app.use('/api/*', bodySizeLimit(deps.config.maxBodyBytes));

  app.route('/', opsRoutes(deps));
  app.route('/', metricsRoutes(deps.metrics));
  app.route('/api/v1', openApiRoutes());
  app.route('/api/v1/logs', ingestRoutes(deps, keys, writeReports));
  // Sentry SDKs post to /api/<dsn_id>/envelope/ and /store/, outside /api/v1.
  app.route('/api', sentryRoutes(deps, keys, writeReports));

  app.route('/api/v1/session', sessionRoutes(deps));
  for (const path of ['/api/v1/bugs/*', '/api/v1/bugs', '/api/v1/tasks/*', '/api/v1/dashboard/*']) app.use(path, admin);
  app.use('/api/v1/stream', admin);
  for (const path of ['/api/v1/projects', '/api/v1/projects/*', '/api/v1/keys', '/api/v1/keys/*']) app.use(path, admin);
  for (const path of ['/api/v1/alerts', '/api/v1/alerts/*']) app.use(path, admin);
  app.route('/api/v1/alerts', alertRoutes(deps));
  app.route('/api/v1/bugs', bugRoutes(deps));
  app.route('/api/v1/tasks', taskRoutes(deps));
  app.route('/api/v1/dashboard', statsRoutes(deps));
  app.route('/api/v1', projectRoutes(deps, keys));
  app.route('/api/v1', projectSettingsRoutes(deps));
  app.route('/api/v1/stream', streamRoutes(deps));

  // Last, so the dashboard's deep-link fallback never shadows an API route.
  app.route('/', webRoutes());

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException && !(error instanceof ApiError)) {
      const status = error.status;
      return c.json(errorBody(status === 413 ? 'payload_too_large' : 'bad_request', error.message || 'bad request'), status);
    }
    return errorResponse(c, error);
  });

  return { app, deps, writeReports };
}

export type App = ReturnType<typeof createApp>['app'];
