import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { sources } from '../schemas/report.ts';
import type { Metrics, ReportOutcome } from './metrics.ts';

const jsonIngestPath = /^\/api\/v1\/logs\/report(\/batch)?\/?$/;
const sentryIngestPath = /^\/api\/\d+\/(envelope|store)\/?$/;

function outcomeOf(status: number): ReportOutcome {
  if (status === 201) return 'new';
  if (status >= 200 && status < 300) return 'deduplicated';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'failed';
  return 'rejected';
}

function sourceOf(item: unknown): string {
  const raw = item && typeof item === 'object' ? (item as { source?: unknown }).source : undefined;
  if (raw === undefined || raw === null) return 'runtime';
  const source = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  return (sources as readonly string[]).includes(source) ? source : 'unknown';
}

async function countJsonReports(
  c: Context,
  metrics: Metrics,
  request: { status: number; batch: boolean; batchAnswer?: Response },
): Promise<void> {
  const { status, batch, batchAnswer } = request;
  let body: unknown;
  try {
    // Hono caches the body text the handler read, so this does not touch the socket again.
    body = JSON.parse(await c.req.text());
  } catch {
    metrics.reportsReceived.inc({ source: 'unknown', outcome: outcomeOf(status) });
    return;
  }
  if (!batch) {
    metrics.reportsReceived.inc({ source: sourceOf(body), outcome: outcomeOf(status) });
    return;
  }
  const wrapped = (body as { reports?: unknown } | null)?.reports;
  const items: unknown[] = Array.isArray(body) ? body : Array.isArray(wrapped) ? wrapped : [];
  if (status !== 200) {
    // The whole batch was refused (auth, size, rate limit): each item counts as refused.
    const outcome = outcomeOf(status);
    if (items.length === 0) metrics.reportsReceived.inc({ source: 'unknown', outcome });
    for (const item of items) metrics.reportsReceived.inc({ source: sourceOf(item), outcome });
    return;
  }
  if (!batchAnswer) return;
  const answer = (await batchAnswer.json()) as { results?: { index: number; status: number }[] };
  for (const result of answer.results ?? []) {
    metrics.reportsReceived.inc({ source: sourceOf(items[result.index]), outcome: outcomeOf(result.status) });
  }
}

/**
 * Times every request by its route pattern (bounded label values, never the raw path) and
 * counts ingested reports by source and outcome after the response is ready.
 */
export function metricsMiddleware(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    let route = routePath(c);
    if (status === 404 && route.endsWith('*')) route = 'unmatched';
    metrics.httpDuration.observe({ method: c.req.method, route, status: String(status) }, (performance.now() - started) / 1000);

    if (c.req.method !== 'POST') return;
    const path = c.req.path;
    const json = jsonIngestPath.exec(path);
    if (json) {
      // The batch answer holds each item's outcome; the clone keeps it readable after the response is sent.
      const batch = json[1] !== undefined;
      const batchAnswer = batch && status === 200 ? c.res.clone() : undefined;
      // Off the response path: counting must not delay the answer to the reporter.
      setImmediate(() => {
        countJsonReports(c, metrics, { status, batch, batchAnswer }).catch(() => {});
      });
    } else if (sentryIngestPath.test(path)) {
      metrics.reportsReceived.inc({ source: 'runtime', outcome: status >= 200 && status < 300 ? 'accepted' : outcomeOf(status) });
    }
  };
}
