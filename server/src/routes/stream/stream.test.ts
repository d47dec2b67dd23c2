import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../app-env.ts';
import { BugEvents } from '../../events.ts';
import { errorBodySchema } from '../../schemas/error.ts';
import { startTestServer } from '../../../test/harness.ts';
import { streamRoutes } from './index.ts';
import { type StreamEvent, streamEventSchema } from './schema.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let s: Server;
let key: string;

beforeAll(async () => {
  s = await startTestServer();
  key = await s.createGlobalKey();
});
afterAll(() => s.close());

type SseMessage = { event: string; data: string };

/** Reads a live SSE response and collects its messages and comments. */
function reader(res: Response) {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const decoder = new TextDecoder();
  const body = res.body!.getReader();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await body.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        for (const line of lines) if (line.startsWith(':')) comments.push(line.slice(1).trim());
        const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
        const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
        if (event) messages.push({ event, data });
      }
    }
  })();
  return {
    messages,
    comments,
    bugEvents: (): StreamEvent[] =>
      messages.filter((m) => m.event.startsWith('bug.')).map((m) => streamEventSchema.parse(JSON.parse(m.data))),
    async until(predicate: () => boolean, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(messages)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await body.cancel().catch(() => {});
      await pump;
    },
  };
}

const open = (query = '', headers: Record<string, string> = s.adminHeaders) =>
  fetch(`${s.url}/api/v1/stream${query}`, { headers });

const report = (overrides: Record<string, unknown>) =>
  s.report(key, { project_id: 'shop', error_type: 'TypeError', message: 'boom', file_path: 'src/a.ts', line_number: 1, ...overrides });

describe('GET /api/v1/stream', () => {
  it('needs the admin token', async () => {
    const res = await open('', {});
    expect(res.status).toBe(401);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe('unauthorized');
  });

  it('answers 400 with the envelope for a bad filter, before any stream starts', async () => {
    const res = await open('?source=mainframe');
    expect(res.status).toBe(400);
    expect(errorBodySchema.parse(await res.json()).error.issues?.[0].path).toBe('source');
  });

  it('announces created then updated bugs with their project and source', async () => {
    const res = await open();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = reader(res);
    await stream.until(() => stream.messages.some((m) => m.event === 'ready'));

    const first = (await (await report({ file_path: 'src/created.ts' })).json()) as { bug_id: number };
    await report({ file_path: 'src/created.ts' });
    await stream.until(() => stream.bugEvents().length >= 2);
    expect(stream.bugEvents()).toEqual([
      { type: 'bug.created', bug_id: first.bug_id, project_id: 'shop', source: 'runtime' },
      { type: 'bug.updated', bug_id: first.bug_id, project_id: 'shop', source: 'runtime' },
    ]);

    const patched = await s.admin('PATCH', `/api/v1/bugs/${first.bug_id}`, { status: 'resolved' });
    expect(patched.status).toBe(200);
    await stream.until(() => stream.bugEvents().length >= 3);
    expect(stream.bugEvents()[2]).toMatchObject({ type: 'bug.updated', bug_id: first.bug_id });
    await stream.close();
  });

  it('filters by project and source', async () => {
    const stream = reader(await open('?project_id=billing&source=cicd'));
    await stream.until(() => stream.messages.some((m) => m.event === 'ready'));
    await report({ project_id: 'billing', file_path: 'src/runtime-only.ts' });
    await report({ project_id: 'shop', source: 'cicd', context: { job_name: 'build', step_name: 'npm ci' } });
    const wanted = (await (
      await report({ project_id: 'billing', source: 'cicd', error_type: 'NpmBuildError', context: { job_name: 'build', step_name: 'npm run build' } })
    ).json()) as { bug_id: number };
    await stream.until(() => stream.bugEvents().length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stream.bugEvents()).toEqual([{ type: 'bug.created', bug_id: wanted.bug_id, project_id: 'billing', source: 'cicd' }]);
    await stream.close();
  });

  it('accepts the dashboard session cookie', async () => {
    const signIn = await fetch(`${s.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: s.deps.adminToken }),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    const res = await open('', { cookie });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it('sends heartbeat comments and stops listening when the client goes away', async () => {
    const events = new BugEvents();
    let listeners = 0;
    const subscribe = events.subscribe.bind(events);
    events.subscribe = (listener) => {
      listeners++;
      const off = subscribe(listener);
      return () => {
        listeners--;
        off();
      };
    };
    const app = new Hono<AppEnv>().route('/', streamRoutes({ ...s.deps, events }, { heartbeatMs: 50 }));
    const stream = reader(await app.request('/'));
    await stream.until(() => stream.comments.filter((c) => c === 'heartbeat').length >= 2);
    expect(listeners).toBe(1);
    await stream.close();
    await stream.until(() => listeners === 0);
  });
});
