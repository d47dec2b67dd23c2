import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { getBug } from '../../db/queries/bugs.ts';
import { claimTask, completeTask, pendingTasks } from '../../db/queries/tasks.ts';
import { toBugJson } from '../../db/serialize.ts';
import { conflict, notFound } from '../../http/errors.ts';
import { idParam, jsonBody, queryOf } from '../../http/validate.ts';
import { type PendingTaskList, claimSchema, completeSchema, pendingTasksQuerySchema } from '../../schemas/task.ts';
import { analysesFor } from '../../analysis/queries.ts';

export function taskRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/pending', async (c) => {
    const query = queryOf(c, pendingTasksQuerySchema);
    const rows = await pendingTasks(deps.db, query, deps.clock());
    const analyses = await analysesFor(deps.db, rows.map((row) => row.id));
    const items = rows.map((row) => {
      const analysis = analyses.get(row.id);
      return analysis ? { ...toBugJson(row), analysis } : toBugJson(row);
    });
    return c.json({ items, next_cursor: null } satisfies PendingTaskList);
  });

  app.post('/:id/claim', async (c) => {
    const id = idParam(c);
    const { agent, lease_seconds } = await jsonBody(c, claimSchema);
    const bug = await claimTask(deps.db, id, agent, lease_seconds, deps.clock());
    if (!bug) {
      const current = await getBug(deps.db, id);
      if (!current) throw notFound('task');
      throw conflict(
        current.status === 'fixing'
          ? `already claimed by ${current.claimedBy} until ${current.leaseUntil?.toISOString()}`
          : `bug is ${current.status}, not new`,
      );
    }
    deps.events.publish({ type: 'bug.updated', bug_id: bug.id, project_id: bug.projectId });
    return c.json(toBugJson(bug));
  });

  app.post('/:id/complete', async (c) => {
    const id = idParam(c);
    const completion = await jsonBody(c, completeSchema);
    const bug = await completeTask(deps.db, id, completion, deps.clock());
    if (!bug) {
      const current = await getBug(deps.db, id);
      if (!current) throw notFound('task');
      throw conflict(
        current.status === 'fixing'
          ? `claimed by ${current.claimedBy}, not ${completion.agent}`
          : `bug is ${current.status}; claim it before completing`,
      );
    }
    deps.events.publish({ type: 'bug.updated', bug_id: bug.id, project_id: bug.projectId });
    return c.json(toBugJson(bug));
  });

  return app;
}
