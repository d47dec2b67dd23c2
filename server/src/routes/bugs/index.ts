import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { getBug, hourlyCounts, listBugs, patchBug, recentOccurrences } from '../../db/queries/bugs.ts';
import { toBugJson, toOccurrenceJson } from '../../db/serialize.ts';
import { conflict, notFound } from '../../http/errors.ts';
import { idParam, jsonBody, queryOf } from '../../http/validate.ts';
import { bugExportQuerySchema, bugListQuerySchema, bugPatchSchema } from '../../schemas/bug.ts';
import { csvHeader, csvRow } from './csv.ts';
import { analysesFor, enqueueAnalyses, getJob } from '../../analysis/queries.ts';
import type { AnalyzeAccepted } from '../../schemas/analysis.ts';

const exportPageSize = 1000;

export function bugRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const { sort, order, limit, cursor, ...filters } = queryOf(c, bugListQuerySchema);
    const page = await listBugs(deps.db, { filters, sort, order, limit, cursor });
    return c.json({ items: page.rows.map(toBugJson), next_cursor: page.nextCursor });
  });

  app.get('/export', async (c) => {
    const { format, sort, order, ...filters } = queryOf(c, bugExportQuerySchema);
    // The first page is read before the response starts, so a database error still gets a proper status.
    let page = await listBugs(deps.db, { filters, sort, order, limit: exportPageSize });
    const stamp = deps.clock().toISOString().slice(0, 10);
    c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    c.header('Content-Disposition', `attachment; filename="bugs-${stamp}.${format}"`);
    return stream(c, async (out) => {
      if (format === 'csv') await out.write(csvHeader());
      for (;;) {
        const chunk = page.rows
          .map((row) => (format === 'csv' ? csvRow(toBugJson(row)) : `${JSON.stringify(toBugJson(row))}\n`))
          .join('');
        if (chunk) await out.write(chunk);
        if (!page.nextCursor) break;
        page = await listBugs(deps.db, { filters, sort, order, limit: exportPageSize, cursor: page.nextCursor });
      }
    });
  });

  app.get('/:id', async (c) => {
    const id = idParam(c);
    const bug = await getBug(deps.db, id);
    if (!bug) throw notFound('bug');
    const limit = Math.min(Math.max(Number(c.req.query('occurrences')) || 20, 1), 100);
    const [occurrences, hourly, analyses, job] = await Promise.all([
      recentOccurrences(deps.db, id, limit),
      hourlyCounts(deps.db, id, deps.clock()),
      analysesFor(deps.db, [id]),
      getJob(deps.db, id),
    ]);
    return c.json({
      bug: toBugJson(bug),
      occurrences: occurrences.map(toOccurrenceJson),
      hourly_counts: hourly,
      ...(analyses.has(id) ? { analysis: analyses.get(id) } : {}),
      ...(job ? { analysis_job: { status: job.status, attempts: job.attempts, last_error: job.lastError } } : {}),
    });
  });

  app.post('/:id/analyze', async (c) => {
    const id = idParam(c);
    if (!deps.config.llm) throw conflict('bug analysis is off: set LOG_CENTER_LLM_URL and LOG_CENTER_LLM_MODEL');
    const bug = await getBug(deps.db, id);
    if (!bug) throw notFound('bug');
    await enqueueAnalyses(deps.db, [id], 'manual', deps.clock());
    return c.json({ bug_id: id, status: 'pending' } satisfies AnalyzeAccepted, 202);
  });

  app.patch('/:id', async (c) => {
    const id = idParam(c);
    const patch = await jsonBody(c, bugPatchSchema);
    const bug = await patchBug(deps.db, id, patch, deps.clock());
    if (!bug) throw notFound('bug');
    deps.events.publish({ type: 'bug.updated', bug_id: bug.id, project_id: bug.projectId });
    return c.json(toBugJson(bug));
  });

  return app;
}
