import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugs, occurrences, sentryEvents } from '../../db/schema.ts';
import { errorBodySchema } from '../../schemas/error.ts';
import { createHarness, createTestClock, type Harness } from '../../../test/harness.ts';
import { sentryResponseSchema } from './event-schema.ts';
import { bugsOf, envelopeOf, exceptionEvent, newEventId } from './test-support.ts';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const deflateRaw = promisify(zlib.deflateRaw);
const brotli = promisify(zlib.brotliCompress);

let h: Harness;
let project: { apiKey: string; dsnId: number };
let other: { apiKey: string; dsnId: number };

beforeAll(async () => {
  h = await createHarness();
  project = await h.createProject('shop');
  other = await h.createProject('other');
});
afterAll(() => h.close());

function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  return h.app.request(path, { method: 'POST', body, headers });
}
const envelopeUrl = (p = project, slash = '/') => `/api/${p.dsnId}/envelope${slash}?sentry_key=${p.apiKey}&sentry_version=7`;

async function countOccurrences(projectId: string) {
  const rows = await h.db.select({ id: occurrences.id }).from(occurrences).innerJoin(bugs, eq(bugs.id, occurrences.bugId)).where(eq(bugs.projectId, projectId));
  return rows.length;
}

describe('Sentry envelope endpoint', () => {
  it('stores an event item as a runtime bug and answers {"id": event_id}', async () => {
    const event = exceptionEvent({ level: 'fatal', extra: { order_id: 7 }, user: { id: 'u1' } });
    const res = await post(envelopeUrl(), envelopeOf([event]));
    expect(res.status).toBe(200);
    expect(sentryResponseSchema.parse(await res.json())).toEqual({ id: event.event_id });

    const [bug] = (await bugsOf(h, 'shop')).filter((b) => b.file_path === '/app/src/routes/orders.js');
    expect(bug).toMatchObject({
      source: 'runtime',
      level: 'CRITICAL',
      error_type: 'TypeError',
      message: "Cannot read properties of undefined (reading 'id')",
      line_number: 42,
      environment: 'staging',
      release: 'api@1.2.3',
      occurrence_count: 1,
    });
    expect(bug.stack_trace).toContain('at getOrder (/app/src/routes/orders.js:42:7)');
    expect(bug.context).toMatchObject({ sentry: { event_id: event.event_id, platform: 'node' }, extra: { order_id: 7 }, user: { id: 'u1' } });
  });

  it('answers on the path with and without the trailing slash, and on /store/', async () => {
    for (const slash of ['/', '']) {
      const res = await post(envelopeUrl(project, slash), envelopeOf([exceptionEvent()]), { 'content-type': 'application/x-sentry-envelope' });
      expect(res.status).toBe(200);
    }
    for (const path of [`/api/${project.dsnId}/store/`, `/api/${project.dsnId}/store`]) {
      const event = exceptionEvent();
      const res = await post(`${path}?sentry_key=${project.apiKey}`, JSON.stringify(event), { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: event.event_id });
    }
  });

  it('takes the key from X-Sentry-Auth, Authorization: Sentry, or the envelope header dsn', async () => {
    const auth = `Sentry sentry_version=7, sentry_client=raven-python/6.0, sentry_key=${project.apiKey}, sentry_secret=unused`;
    const before = await countOccurrences('shop');
    expect((await post(`/api/${project.dsnId}/envelope/`, envelopeOf([exceptionEvent()]), { 'x-sentry-auth': auth })).status).toBe(200);
    expect((await post(`/api/${project.dsnId}/store/`, JSON.stringify(exceptionEvent()), { authorization: auth })).status).toBe(200);
    const dsn = `http://${project.apiKey}@example.test/${project.dsnId}`;
    const res = await post(`/api/${project.dsnId}/envelope/`, envelopeOf([exceptionEvent()], [], { dsn }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    expect(await countOccurrences('shop')).toBe(before + 3);
  });

  it('answers 200 to every other item type and drops it', async () => {
    const before = await countOccurrences('shop');
    const session = '{"type":"session"}\n{"sid":"a1","init":true,"started":"2026-01-01T00:00:00Z","status":"ok","errors":0}';
    const items = [session, '{"type":"client_report"}\n{"discarded_events":[]}', '{"type":"attachment","length":3}\nabc', '{"type":"something_new"}\n{}'];
    const res = await post(envelopeUrl(), envelopeOf([], items, { event_id: undefined }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: null });
    expect(await countOccurrences('shop')).toBe(before);

    const mixed = exceptionEvent();
    expect((await post(envelopeUrl(), envelopeOf([mixed], [session]))).status).toBe(200);
    expect(await countOccurrences('shop')).toBe(before + 1);
  });

  it('stores the same event_id once, however it is spelled', async () => {
    const event = exceptionEvent({ exception: { values: [{ type: 'IdempotencyError', value: 'once' }] } });
    for (let i = 0; i < 3; i++) expect((await post(envelopeUrl(), envelopeOf([event]))).status).toBe(200);
    const dashed = event.event_id.toUpperCase().replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    expect((await post(`/api/${project.dsnId}/store/?sentry_key=${project.apiKey}`, JSON.stringify({ ...event, event_id: dashed }))).status).toBe(200);
    const [bug] = (await bugsOf(h, 'shop')).filter((b) => b.error_type === 'IdempotencyError');
    expect(bug.occurrence_count).toBe(1);
    const claims = await h.db.select().from(sentryEvents).where(eq(sentryEvents.eventId, event.event_id));
    expect(claims).toHaveLength(1);
  });

  it.each([
    ['gzip', gzip],
    ['deflate', deflate],
    ['deflate', deflateRaw],
    ['br', brotli],
  ] as const)('inflates a %s body', async (encoding, compress) => {
    const marker = `Compressed${Math.random().toString(36).slice(2)}`;
    const event = exceptionEvent({ exception: { values: [{ type: marker, value: 'x'.repeat(40_000) }] } });
    const body = await compress(Buffer.from(envelopeOf([event])));
    const res = await post(envelopeUrl(), new Uint8Array(body), { 'content-encoding': encoding, 'content-type': 'text/plain;charset=UTF-8' });
    expect(res.status).toBe(200);
    expect((await bugsOf(h, 'shop')).some((b) => b.error_type === marker)).toBe(true);
  });

  it('reads the base64 + zlib store body of old SDKs', async () => {
    const event = exceptionEvent({ exception: { values: [{ type: 'LegacyRavenError', value: 'old sdk' }] } });
    const body = (await deflate(Buffer.from(JSON.stringify(event)))).toString('base64');
    const res = await post(`/api/${project.dsnId}/store/?sentry_key=${project.apiKey}`, body, { 'content-type': 'application/octet-stream' });
    expect(res.status).toBe(200);
    expect((await bugsOf(h, 'shop')).some((b) => b.error_type === 'LegacyRavenError')).toBe(true);
  });

  it('groups by exception type and in-app frames, not lines or messages', async () => {
    const withFrame = (fn: string, lineno: number, value: string) =>
      exceptionEvent({
        exception: {
          values: [{ type: 'GroupingError', value, stacktrace: { frames: [{ filename: '/srv/app/src/cart.js', function: fn, lineno, in_app: true }] } }],
        },
      });
    const send = async (event: Record<string, unknown>) => expect((await post(envelopeUrl(), envelopeOf([event]))).status).toBe(200);
    await send(withFrame('addItem', 10, 'item 17 missing'));
    await send(withFrame('addItem', 12, 'item 99 missing'));
    await send(withFrame('removeItem', 10, 'item 17 missing'));
    const grouped = (await bugsOf(h, 'shop')).filter((b) => b.error_type === 'GroupingError');
    expect(grouped.map((b) => b.occurrence_count).sort()).toEqual([1, 2]);
  });
});

describe('Sentry envelope errors', () => {
  it('answers 400 with the error envelope for a malformed envelope or event', async () => {
    for (const body of ['not json at all\n', '{}\n{"type":"event"}\n{"broken"\n', '{}\n{"length":3}\nabc\n']) {
      const res = await post(envelopeUrl(), body);
      expect(res.status).toBe(400);
      expect(errorBodySchema.parse(await res.json()).error.code).toBe('invalid_envelope');
    }
    const badId = await post(envelopeUrl(), envelopeOf([exceptionEvent({ event_id: 'not-an-id' })]));
    expect(badId.status).toBe(400);
    const notJson = await post(`/api/${project.dsnId}/store/?sentry_key=${project.apiKey}`, 'garbage');
    expect(notJson.status).toBe(400);
  });

  it('answers 400 for a body that does not match its Content-Encoding, 415 for an unknown one', async () => {
    expect((await post(envelopeUrl(), 'plain text', { 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post(envelopeUrl(), 'plain text', { 'content-encoding': 'compress' })).status).toBe(415);
  });

  it('answers 413 when the inflated body exceeds the bound (a gzip bomb)', async () => {
    const bomb = await gzip(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(h.deps.config.maxBodyBytes);
    const res = await post(envelopeUrl(), new Uint8Array(bomb), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe('payload_too_large');
  });

  it('answers 404 for an unknown dsn id (with an all-project key)', async () => {
    const globalKey = await h.createGlobalKey();
    const res = await post(`/api/999999/envelope/?sentry_key=${globalKey}`, envelopeOf([exceptionEvent()]));
    expect(res.status).toBe(404);
  });
});

describe('Sentry endpoint security', () => {
  it('answers 401 without a key or with an unknown key', async () => {
    expect((await post(`/api/${project.dsnId}/envelope/`, envelopeOf([exceptionEvent()]))).status).toBe(401);
    const res = await post(`/api/${project.dsnId}/envelope/?sentry_key=${'0'.repeat(32)}`, envelopeOf([exceptionEvent()]));
    expect(res.status).toBe(401);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe('unauthorized');
  });

  it("answers 403 to another project's key and stores nothing", async () => {
    const beforeShop = await countOccurrences('shop');
    const beforeOther = await countOccurrences('other');
    const event = exceptionEvent();
    const res = await post(`/api/${project.dsnId}/envelope/?sentry_key=${other.apiKey}`, envelopeOf([event]));
    expect(res.status).toBe(403);
    expect((await post(`/api/${project.dsnId}/store/?sentry_key=${other.apiKey}`, JSON.stringify(event))).status).toBe(403);
    expect(await countOccurrences('shop')).toBe(beforeShop);
    expect(await countOccurrences('other')).toBe(beforeOther);
    expect(await h.db.select().from(sentryEvents).where(eq(sentryEvents.eventId, event.event_id))).toHaveLength(0);
  });

  it('answers CORS like Relay: preflight, allow-origin * and exposed rate-limit headers', async () => {
    const preflight = await h.app.request(`/api/${project.dsnId}/envelope/`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-sentry-auth' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-sentry-auth');

    const res = await post(envelopeUrl(), envelopeOf([exceptionEvent()]), { origin: 'https://app.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = res.headers.get('access-control-expose-headers')?.toLowerCase() ?? '';
    expect(exposed).toContain('x-sentry-rate-limits');
    expect(exposed).toContain('retry-after');
    const denied = await post(`/api/${project.dsnId}/envelope/`, envelopeOf([exceptionEvent()]), { origin: 'https://app.example' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');

    const admin = await h.app.request('/api/v1/bugs', { headers: { ...h.adminHeaders, origin: 'https://app.example' } });
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('Sentry rate limit', () => {
  it('answers 429 with Retry-After and X-Sentry-Rate-Limits past the per-minute limit, and takes the event later', async () => {
    const clock = createTestClock('2026-03-01T10:00:10Z');
    const limited = await createHarness({ clock, env: { LOG_CENTER_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const p = await limited.createProject('limited');
      const url = `/api/${p.dsnId}/envelope/?sentry_key=${p.apiKey}`;
      const send = (event = exceptionEvent({ event_id: newEventId() })) =>
        limited.app.request(url, { method: 'POST', body: envelopeOf([event]) });
      expect((await send()).status).toBe(200);
      expect((await send()).status).toBe(200);
      const refusedEvent = exceptionEvent({ event_id: newEventId() });
      const refused = await send(refusedEvent);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('x-sentry-rate-limits')).toMatch(new RegExp(`^${retryAfter}:[a-z;]*error`));
      expect(errorBodySchema.parse(await refused.json()).error.code).toBe('rate_limited');
      const sessions = await limited.app.request(url, { method: 'POST', body: envelopeOf([], ['{"type":"session"}\n{}']) });
      expect(sessions.status).toBe(200);
      clock.advance(retryAfter * 1000);
      // The refused event was not marked as stored, so the SDK's resend counts.
      expect((await send(refusedEvent)).status).toBe(200);
      expect((await bugsOf(limited, 'limited'))[0].occurrence_count).toBe(3);
    } finally {
      await limited.close();
    }
  });
});
