import { Hono } from 'hono';
import type { AppDeps, AppEnv, Principal } from '../app-env.ts';
import { type KeyResolver, projectForReport, requireIngestKey } from '../auth/middleware.ts';
import { ApiError } from '../http/errors.ts';
import { jsonBody, parseWith, readJson } from '../http/validate.ts';
import { type ReportResult, reportBatchSchema, reportSchema, sources } from '../schemas/report.ts';
import { type PreparedReport, prepareReport } from './prepare-report.ts';
import { type GroupCommitOptions, createGroupCommitter } from './group-commit.ts';
import { recordReports } from './record-reports.ts';

export type ReportWriter = ((reports: PreparedReport[]) => Promise<ReportResult[]>) & {
  /** Resolves when every accepted report is committed or failed (graceful shutdown). */
  drain(): Promise<void>;
};

/**
 * The one way reports get stored: group-committed with other requests' reports, then
 * announced to live dashboards. Resolves only after the transaction commits.
 */
export function createReportWriter(deps: AppDeps, options: Partial<GroupCommitOptions> = {}): ReportWriter {
  const committer = createGroupCommitter(async (reports) => {
    const started = performance.now();
    const outcome = await recordReports(deps.db, reports, deps.clock());
    deps.metrics.ingestBatchSize.observe(reports.length);
    deps.metrics.ingestBatchDuration.observe((performance.now() - started) / 1000);
    for (const bug of outcome.bugs) {
      deps.events.publish({
        type: bug.isNew ? 'bug.created' : bug.regressed ? 'bug.regressed' : 'bug.updated',
        bug_id: bug.bugId,
        project_id: bug.projectId,
        occurrences: bug.count,
      });
    }
    return outcome;
  }, options);
  deps.metrics.watchIngestQueue(() => committer.pending);
  const write = async (reports: PreparedReport[]) => {
    try {
      const results = await committer.submit(reports);
      reports.forEach((report, i) =>
        deps.metrics.reportsReceived.inc({ source: report.source, outcome: results[i].is_new ? 'new' : 'deduplicated' }),
      );
      return results;
    } catch (error) {
      for (const report of reports) deps.metrics.reportsReceived.inc({ source: report.source, outcome: 'failed' });
      throw error;
    }
  };
  return Object.assign(write, { drain: () => committer.drain() });
}

/** Reports refused before storage still count, under the source they claimed. */
function countRejected(deps: AppDeps, raw: unknown[]) {
  for (const item of raw) deps.metrics.reportsReceived.inc({ source: claimedSource(item), outcome: 'rejected' });
}

export function claimedSource(item: unknown): string {
  const value = item && typeof item === 'object' ? (item as { source?: unknown }).source : undefined;
  if (value === undefined || value === null) return 'runtime';
  const source = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return (sources as readonly string[]).includes(source) ? source : 'unknown';
}

function prepare(deps: AppDeps, principal: Principal, raw: unknown): PreparedReport {
  const report = parseWith(reportSchema, raw, 'report');
  const projectId = projectForReport(principal, report.project_id);
  return prepareReport(report, projectId, deps.config, deps.clock());
}

export function ingestRoutes(deps: AppDeps, keys: KeyResolver, write: ReportWriter) {
  const app = new Hono<AppEnv>();
  app.use('*', requireIngestKey(deps, keys));

  app.post('/report', async (c) => {
    const raw = await readJson(c);
    c.set('reportsCounted', true);
    let report: PreparedReport;
    try {
      report = prepare(deps, c.get('principal'), raw);
    } catch (error) {
      countRejected(deps, [raw]);
      throw error;
    }
    const [result] = await write([report]);
    return c.json(result, result.is_new ? 201 : 200);
  });

  app.post('/report/batch', async (c) => {
    const items = await jsonBody(c, reportBatchSchema);
    c.set('reportsCounted', true);
    const principal = c.get('principal');
    const prepared: { index: number; report: PreparedReport }[] = [];
    const rejected: { index: number; status: number; error: { code: string; message: string; issues?: { path: string; message: string }[] } }[] = [];
    items.forEach((raw, index) => {
      try {
        prepared.push({ index, report: prepare(deps, principal, raw) });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        rejected.push({
          index,
          status: error.status,
          error: error.issues ? { code: error.code, message: error.message, issues: error.issues } : { code: error.code, message: error.message },
        });
      }
    });
    countRejected(
      deps,
      rejected.map((item) => items[item.index]),
    );
    const results = await write(prepared.map((item) => item.report));
    const accepted = prepared.map((item, i) => ({
      index: item.index,
      status: results[i].is_new ? (201 as const) : (200 as const),
      ...results[i],
    }));
    return c.json({
      accepted: accepted.length,
      rejected: rejected.length,
      results: [...accepted, ...rejected].sort((a, b) => a.index - b.index),
    });
  });

  return app;
}

