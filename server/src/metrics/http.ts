import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { claimedSource } from '../ingest/routes.ts';
import type { AppEnv } from '../app-env.ts';
import { bodyText, readBody } from '../http/body.ts';
import type { Metrics, ReportOutcome } from './metrics.ts';

const jsonIngestPath = /^\/api\/v1\/logs\/report(\/batch)?\/?$/;
const sentryIngestPath = /^\/api\/\d+\/(envelope|store)\/?$/;

function outcomeOf(status: number): ReportOutcome {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'failed';
  return 'rejected';
}

/** A whole request refused before its route could count it (auth, size, content type, JSON). */
async function countRefusedRequest(body: Promise<Buffer>, metrics: Metrics, status: number): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(await body));
  } catch {
    metrics.reportsReceived.inc({ source: 'unknown', outcome: outcomeOf(status) });
    return;
  }
  const wrapped = (parsed as { reports?: unknown } | null)?.reports;
  const items: unknown[] = Array.isArray(parsed) ? parsed : Array.isArray(wrapped) ? wrapped : [parsed];
  for (const item of items.slice(0, 1000)) metrics.reportsReceived.inc({ source: claimedSource(item), outcome: outcomeOf(status) });
}

/**
 * Times every request by its route pattern (bounded label values, never the raw path) and
 * counts ingested reports by source and outcome after the response is ready.
 */
export function metricsMiddleware(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    let route = routePath(c);
    if (status === 404 && route.endsWith('*')) route = 'unmatched';
    metrics.httpDuration.observe({ method: c.req.method, route, status: String(status) }, (performance.now() - started) / 1000);

    // Stored and per-item refused reports are counted where they are decided (the report
    // writer, the ingest routes); only whole requests refused earlier are counted here.
    if (c.req.method !== 'POST' || (status >= 200 && status < 300) || c.get('reportsCounted')) return;
    const path = c.req.path;
    if (jsonIngestPath.test(path)) {
      // Read now: once the response is sent, Node discards a body nobody is reading.
      void countRefusedRequest(readBody(c), metrics, status);
    } else if (sentryIngestPath.test(path)) {
      metrics.reportsReceived.inc({ source: 'runtime', outcome: outcomeOf(status) });
    }
  };
}
