import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { ingestPrincipal, type KeyResolver } from '../../auth/middleware.ts';
import type { Config } from '../../config.ts';
import { getProjectByDsnId } from '../../db/queries/projects.ts';
import type { ProjectRow } from '../../db/schema.ts';
import { ApiError, badRequest, forbidden, notFound, unauthorized } from '../../http/errors.ts';
import { parseWith } from '../../http/validate.ts';
import { readBody as readRawBody } from '../../http/body.ts';
import { reportSchema } from '../../schemas/report.ts';
import { prepareReport } from '../prepare-report.ts';
import type { ReportWriter } from '../routes.ts';
import { envelopeSentryKey, requestSentryKey } from './auth.ts';
import { decodeBody } from './decode-body.ts';
import { EnvelopeError, parseEnvelope, payloadJson } from './envelope.ts';
import { claimEventId, releaseEventId } from './event-ids.ts';
import { type SentryEvent, sentryEventSchema } from './event-schema.ts';
import { eventToReport } from './event-to-report.ts';

/** Inflated bodies may be larger than the wire limit, within reason. */
export const maxInflatedBytes = (config: Config) => Math.max(20 * config.maxBodyBytes, 16 * 1024 * 1024);

const eventIdPattern = /^[0-9a-f]{32}$/;

/** The event's id, normalized; `sent` is false when the client sent none and there is nothing to deduplicate. */
function normalizeEventId(raw: unknown): { id: string; sent: boolean } {
  if (raw === undefined || raw === null || raw === '') return { id: randomUUID().replaceAll('-', ''), sent: false };
  const id = typeof raw === 'string' ? raw.replaceAll('-', '').toLowerCase() : '';
  if (!eventIdPattern.test(id)) throw badRequest('invalid event', [{ path: 'event_id', message: 'must be 32 hex characters' }]);
  return { id, sent: true };
}

const projectCacheMs = 30_000;

/** dsn_id → project with a short cache, like ingest keys: the hot path should not query it per event. */
function createProjectCache(deps: AppDeps) {
  const cache = new Map<number, { row: ProjectRow | undefined; expires: number }>();
  return async (dsnId: number): Promise<ProjectRow | undefined> => {
    const now = Date.now();
    const hit = cache.get(dsnId);
    if (hit && hit.expires > now) return hit.row;
    const row = await getProjectByDsnId(deps.db, dsnId);
    if (cache.size > 10_000) cache.clear();
    // An unknown id is not cached: the project may be created a moment later.
    if (row) cache.set(dsnId, { row, expires: now + projectCacheMs });
    return row;
  };
}

const envelopeError = (error: unknown) =>
  error instanceof EnvelopeError ? new ApiError(400, 'invalid_envelope', error.message) : error;

function dsnIdParam(c: Context): number {
  const raw = c.req.param('dsn_id') ?? '';
  const id = Number(raw);
  if (!/^\d{1,9}$/.test(raw)) throw badRequest('invalid project', [{ path: 'dsn_id', message: 'must be the numeric project id of the DSN' }]);
  return id;
}

type StoredEvent = { eventId: string; idSent: boolean; event: SentryEvent };

/** `write` is the app's report writer: it applies the per-project rate limit (429 with `X-Sentry-Rate-Limits`). */
export function sentryRoutes(deps: AppDeps, keys: KeyResolver, write: ReportWriter) {
  const app = new Hono<AppEnv>();
  const maxBytes = maxInflatedBytes(deps.config);
  const projectByDsnId = createProjectCache(deps);

  const envelopePaths = ['/:dsn_id{[0-9]+}/envelope', '/:dsn_id{[0-9]+}/envelope/'];
  const storePaths = ['/:dsn_id{[0-9]+}/store', '/:dsn_id{[0-9]+}/store/'];
  // Only these paths: the rest of /api stays same-origin.
  const relayCors = cors({
    origin: '*',
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: [
      'x-sentry-auth',
      'x-requested-with',
      'origin',
      'referer',
      'accept',
      'content-type',
      'authentication',
      'authorization',
      'content-encoding',
      'transfer-encoding',
      'baggage',
      'sentry-trace',
    ],
    exposeHeaders: ['x-sentry-error', 'x-sentry-rate-limits', 'retry-after'],
    maxAge: 3600,
  });
  for (const path of [...envelopePaths, ...storePaths]) app.use(path, relayCors);

  async function authorize(c: Context, key: string | undefined): Promise<ProjectRow> {
    if (!key) throw unauthorized('send the DSN key as sentry_key in the query or the X-Sentry-Auth header');
    const principal = await ingestPrincipal(c, deps, keys, key);
    const project = await projectByDsnId(dsnIdParam(c));
    if (principal.kind === 'key' && principal.projectId && principal.projectId !== project?.id) {
      throw forbidden('this key does not belong to the project in the DSN');
    }
    if (!project) throw notFound('project');
    return project;
  }

  async function readBody(c: Context): Promise<Buffer> {
    return decodeBody(new Uint8Array(await readRawBody(c)), c.req.header('content-encoding'), maxBytes);
  }

  async function store(project: ProjectRow, events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = deps.clock();
    const fresh: StoredEvent[] = [];
    for (const item of events) {
      if (!item.idSent || (await claimEventId(deps.db, project.id, item.eventId, now))) fresh.push(item);
    }
    if (fresh.length === 0) return;
    try {
      const prepared = fresh.map(({ event, eventId }) =>
        prepareReport(parseWith(reportSchema, eventToReport(event, eventId), 'event'), project.id, deps.config, now),
      );
      await write(prepared);
    } catch (error) {
      const claimed = fresh.filter((item) => item.idSent);
      await Promise.all(claimed.map((item) => releaseEventId(deps.db, project.id, item.eventId))).catch(() => {});
      throw error;
    }
  }

  const envelope = async (c: Context) => {
    const presentedKey = requestSentryKey(c);
    const project = presentedKey ? await authorize(c, presentedKey) : undefined;
    const body = await readBody(c);
    let parsed: ReturnType<typeof parseEnvelope>;
    try {
      parsed = parseEnvelope(body);
    } catch (error) {
      throw envelopeError(error);
    }
    const target = project ?? (await authorize(c, envelopeSentryKey(parsed.header)));
    const events: StoredEvent[] = [];
    for (const item of parsed.items) {
      if (item.header.type !== 'event') continue;
      let payload: Record<string, unknown>;
      try {
        payload = payloadJson(item, 'event item');
      } catch (error) {
        throw envelopeError(error);
      }
      const event = parseWith(sentryEventSchema, payload, 'event');
      const { id, sent } = normalizeEventId(event.event_id ?? parsed.header.event_id);
      events.push({ event, eventId: id, idSent: sent });
    }
    await store(target, events);
    const id = events[0]?.eventId ?? (typeof parsed.header.event_id === 'string' ? parsed.header.event_id : null);
    return c.json({ id });
  };

  const storeEndpoint = async (c: Context) => {
    const project = await authorize(c, requestSentryKey(c));
    const body = await readBody(c);
    const event = parseWith(sentryEventSchema, await parseStoreBody(body, maxBytes), 'event');
    const { id, sent } = normalizeEventId(event.event_id);
    await store(project, [{ event, eventId: id, idSent: sent }]);
    return c.json({ id });
  };

  for (const path of envelopePaths) app.post(path, envelope);
  for (const path of storePaths) app.post(path, storeEndpoint);
  return app;
}

/** The store body is an event as JSON; very old SDKs send it base64-encoded and zlib-compressed. */
async function parseStoreBody(body: Buffer, maxBytes: number): Promise<unknown> {
  const text = body.toString('utf8').trim();
  const candidates = [text];
  if (!text.startsWith('{') && /^[A-Za-z0-9+/=\s]+$/.test(text)) {
    const inflated = await decodeBody(Buffer.from(text, 'base64'), 'deflate', maxBytes).catch(() => undefined);
    if (inflated) candidates.push(inflated.toString('utf8'));
  }
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {
      // try the next form
    }
  }
  throw new ApiError(400, 'invalid_json', 'the body is not a JSON event');
}
