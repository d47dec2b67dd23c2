import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { bugs } from '../../db/schema.ts';
import type { BugEvent } from '../../events.ts';
import { queryOf } from '../../http/validate.ts';
import type { Source } from '../../schemas/report.ts';
import { type StreamEvent, streamQuerySchema } from './schema.ts';

export type StreamOptions = { heartbeatMs?: number; maxQueued?: number };

const sourceCacheSize = 10_000;

/**
 * `GET /api/v1/stream`: Server-Sent Events announcing created and updated bugs.
 * Events are hints to refetch; a client that falls too far behind gets `resync` instead.
 */
export function streamRoutes(deps: AppDeps, options: StreamOptions = {}) {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueued = options.maxQueued ?? 1000;
  const app = new Hono<AppEnv>();

  // A bug's source never changes, so one lookup per bug serves every connection.
  const sources = new Map<number, Source>();
  async function sourceOf(bugId: number): Promise<Source | null> {
    const cached = sources.get(bugId);
    if (cached) return cached;
    try {
      const [row] = await deps.db.select({ source: bugs.source }).from(bugs).where(eq(bugs.id, bugId));
      if (!row) return null;
      if (sources.size >= sourceCacheSize) sources.clear();
      sources.set(bugId, row.source as Source);
      return row.source as Source;
    } catch {
      return null;
    }
  }

  app.get('/', (c) => {
    const filters = queryOf(c, streamQuerySchema);
    return streamSSE(c, async (stream) => {
      const queue: BugEvent[] = [];
      let overflowed = false;
      let wake: (() => void) | undefined;
      let closed = false;

      const unsubscribe = deps.events.subscribe((event) => {
        if (filters.project_id && event.project_id !== filters.project_id) return;
        if (queue.length >= maxQueued) {
          overflowed = true;
          queue.length = 0;
        } else queue.push(event);
        wake?.();
      });
      const close = () => {
        closed = true;
        wake?.();
      };
      stream.onAbort(close);
      const heartbeat = setInterval(() => {
        stream.write(': heartbeat\n\n').catch(close);
      }, heartbeatMs);

      try {
        await stream.writeSSE({ event: 'ready', data: JSON.stringify(filters), retry: 2000 });
        while (!closed) {
          if (overflowed) {
            overflowed = false;
            await stream.writeSSE({ event: 'resync', data: '{}' });
            continue;
          }
          const event = queue.shift();
          if (!event) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
            continue;
          }
          const source = await sourceOf(event.bug_id);
          if (filters.source && source !== filters.source) continue;
          const data: StreamEvent = { type: event.type, bug_id: event.bug_id, project_id: event.project_id, source };
          await stream.writeSSE({ event: event.type, data: JSON.stringify(data) });
        }
      } catch {
        // The client went away mid-write; nothing to report to anyone.
      } finally {
        clearInterval(heartbeat);
        unsubscribe();
      }
    });
  });

  return app;
}
