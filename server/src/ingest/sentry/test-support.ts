import { randomUUID } from 'node:crypto';
import { type Bug, bugListSchema } from '../../schemas/bug.ts';

type Admin = { admin(method: string, path: string, body?: unknown): Response | Promise<Response> };

export async function bugsOf(h: Admin, projectId: string): Promise<Bug[]> {
  const res = await h.admin('GET', `/api/v1/bugs?project_id=${projectId}&limit=100`);
  if (res.status !== 200) throw new Error(`list bugs: ${res.status} ${await res.text()}`);
  return bugListSchema.parse(await res.json()).items;
}

export const newEventId = () => randomUUID().replaceAll('-', '');

/** A Node exception event as @sentry/node sends it: frames outermost first. */
export function exceptionEvent(overrides: Record<string, unknown> = {}) {
  return {
    event_id: newEventId(),
    timestamp: Date.now() / 1000,
    platform: 'node',
    level: 'error',
    environment: 'staging',
    release: 'api@1.2.3',
    tags: { region: 'eu', shard: 3 },
    exception: {
      values: [
        {
          type: 'TypeError',
          value: "Cannot read properties of undefined (reading 'id')",
          mechanism: { type: 'generic', handled: true },
          stacktrace: {
            frames: [
              { filename: '/app/node_modules/express/lib/router/layer.js', function: 'handle', lineno: 95, in_app: false },
              { filename: '/app/src/routes/orders.js', module: 'routes:orders', function: 'getOrder', lineno: 42, colno: 7, in_app: true },
              { filename: 'node:internal/process/task_queues', function: 'process.processTicksAndRejections', lineno: 95, in_app: false },
            ],
          },
        },
      ],
    },
    ...overrides,
  };
}

export function envelopeOf(events: Record<string, unknown>[], extraItems: string[] = [], header: Record<string, unknown> = {}): string {
  const lines = [JSON.stringify({ event_id: events[0]?.event_id, sent_at: new Date().toISOString(), ...header })];
  for (const event of events) lines.push('{"type":"event"}', JSON.stringify(event));
  lines.push(...extraItems);
  return `${lines.join('\n')}\n`;
}
