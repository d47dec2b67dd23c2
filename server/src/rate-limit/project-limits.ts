import { isNotNull } from 'drizzle-orm';
import type { AppDeps } from '../app-env.ts';
import { projects } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { PreparedReport } from '../ingest/prepare-report.ts';
import type { ReportWriter } from '../ingest/routes.ts';
import { createTokenBuckets } from './token-bucket.ts';

const overrideRefreshMs = 30_000;

export function rateLimitedError(retryAfterSeconds: number, message: string): ApiError {
  const seconds = String(retryAfterSeconds);
  return new ApiError(429, 'rate_limited', message, undefined, {
    'Retry-After': seconds,
    // Sentry SDKs back off on this header (empty categories: every kind of event).
    'X-Sentry-Rate-Limits': `${seconds}:error;default;security:project:rate_limited`,
  });
}

/**
 * Per-project token buckets. The limit is the project's `rate_limit_per_minute`, else
 * `LOG_CENTER_RATE_LIMIT_PER_MINUTE`; 0 means unlimited. Overrides are read from the
 * database in the background, so a slow or absent database never delays the check.
 */
function createProjectRateLimits(deps: AppDeps) {
  const buckets = createTokenBuckets(() => deps.clock().getTime());
  let overrides = new Map<string, number>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;
  // Local writes newer than a load in flight win over what that load read.
  let writeCount = 0;
  const localWrites = new Map<string, { at: number; limit: number | null }>();

  function apply(map: Map<string, number>, projectId: string, limit: number | null) {
    if (limit === null) map.delete(projectId);
    else map.set(projectId, limit);
  }

  function refresh(): Promise<void> {
    const startedAt = writeCount;
    loading ??= deps.db
      .select({ id: projects.id, limit: projects.rateLimitPerMinute })
      .from(projects)
      .where(isNotNull(projects.rateLimitPerMinute))
      .then((rows) => {
        const loaded = new Map(rows.map((row) => [row.id, row.limit as number]));
        for (const [projectId, write] of localWrites) {
          if (write.at > startedAt) apply(loaded, projectId, write.limit);
          else localWrites.delete(projectId);
        }
        overrides = loaded;
        loadedAt = Date.now();
      })
      .catch(() => {
        // Keep the last known overrides; retry on the next check.
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  function limitFor(projectId: string): number {
    if (Date.now() - loadedAt > overrideRefreshMs) void refresh();
    return overrides.get(projectId) ?? deps.config.rateLimitPerMinute;
  }

  return {
    limitFor,
    refresh,
    setOverride(projectId: string, limit: number | null) {
      localWrites.set(projectId, { at: ++writeCount, limit });
      apply(overrides, projectId, limit);
    },
    /** Takes one token per report for every project, or none at all and throws 429 with `Retry-After`. */
    take(counts: ReadonlyMap<string, number>): void {
      let wait = 0;
      for (const [projectId, count] of counts) wait = Math.max(wait, buckets.wait(projectId, limitFor(projectId), count));
      if (wait > 0) {
        const names = [...counts.keys()].filter((projectId) => buckets.wait(projectId, limitFor(projectId), counts.get(projectId)) > 0);
        throw rateLimitedError(wait, `rate limit reached for project ${names.map((name) => `"${name}"`).join(', ')}; retry in ${wait} s`);
      }
      for (const [projectId, count] of counts) buckets.take(projectId, limitFor(projectId), count);
    },
  };
}
export type ProjectRateLimits = ReturnType<typeof createProjectRateLimits>;

const perApp = new WeakMap<AppDeps, ProjectRateLimits>();

/** One set of buckets per app, shared by the ingest routes, the Sentry routes and the settings route. */
export function projectRateLimits(deps: AppDeps): ProjectRateLimits {
  let limits = perApp.get(deps);
  if (!limits) {
    limits = createProjectRateLimits(deps);
    perApp.set(deps, limits);
  }
  return limits;
}

/** Wraps the report writer so every stored report, whatever route it came through, counts against its project. */
export function withRateLimit(deps: AppDeps, write: ReportWriter): ReportWriter {
  const limits = projectRateLimits(deps);
  const limited = (reports: PreparedReport[]) => {
    const counts = new Map<string, number>();
    for (const report of reports) counts.set(report.projectId, (counts.get(report.projectId) ?? 0) + 1);
    try {
      limits.take(counts);
    } catch (error) {
      for (const report of reports) deps.metrics.reportsReceived.inc({ source: report.source, outcome: 'rate_limited' });
      return Promise.reject(error);
    }
    return write(reports);
  };
  return Object.assign(limited, write);
}
