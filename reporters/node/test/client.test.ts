import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogCenterClient, retryAfterMs } from '../src/client.ts';
import * as sdk from '../src/index.ts';
import { startFakeIngest, status } from './fake-ingest.ts';

type Fake = Awaited<ReturnType<typeof startFakeIngest>>;
let fake: Fake;
const clients: LogCenterClient[] = [];
const key = '0123456789abcdef0123456789abcdef';

function client(options: ConstructorParameters<typeof LogCenterClient>[0] = {}) {
  const created = new LogCenterClient({
    url: fake.url,
    apiKey: key,
    captureUncaughtExceptions: false,
    captureUnhandledRejections: false,
    flushIntervalMs: 60_000,
    ...options,
  });
  clients.push(created);
  return created;
}

const waitUntil = async (condition: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
};

beforeEach(async () => {
  fake = await startFakeIngest();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(0)));
  await sdk.close(0);
  await fake.close();
});

describe('batching', () => {
  it('sends a batch as soon as 50 reports are queued, the rest on flush, in order', async () => {
    const c = client();
    for (let i = 0; i < 120; i++) c.captureMessage(`message ${i}`);
    expect(await waitUntil(() => fake.batches.length === 2)).toBe(true);
    expect(fake.batches.map((b) => b.reports.length)).toEqual([50, 50]);
    expect(await c.flush()).toBe(true);
    expect(fake.batches.map((b) => b.reports.length)).toEqual([50, 50, 20]);
    expect(fake.reports().map((r) => r.message)).toEqual(Array.from({ length: 120 }, (_, i) => `message ${i}`));
    expect(c.stats()).toMatchObject({ queued: 0, sent: 120, dropped: 0 });
  });

  it('sends what is queued every second without being asked', async () => {
    const c = client({ flushIntervalMs: undefined });
    const start = Date.now();
    c.captureException(new Error('lonely'));
    expect(await waitUntil(() => fake.batches.length === 1, 2500)).toBe(true);
    expect(fake.batches[0].at - start).toBeLessThan(1600);
  });

  it('sends the key, project, environment, release and default tags and context', async () => {
    const c = client({ projectId: 'shop', environment: 'staging', release: 'shop@3.1.0', tags: { region: 'eu' }, context: { pod: 'api-1' } });
    c.captureException(new TypeError('bad'), { tags: { tenant: 7 }, context: { order_id: 12 }, fingerprint: ['checkout'] });
    await c.flush();
    expect(fake.batches[0].authorization).toBe(`Bearer ${key}`);
    expect(fake.reports()[0]).toMatchObject({
      project_id: 'shop',
      source: 'runtime',
      level: 'ERROR',
      error_type: 'TypeError',
      message: 'bad',
      environment: 'staging',
      release: 'shop@3.1.0',
      tags: { region: 'eu', tenant: 7 },
      context: { pod: 'api-1', order_id: 12 },
      fingerprint: ['checkout'],
    });
  });
});

describe('retry', () => {
  it('waits for Retry-After after a 503, then delivers the same reports', async () => {
    fake.respond(status(503, { 'retry-after': '1' }));
    const c = client();
    c.captureMessage('survives a restart', 'warning');
    expect(await c.flush(5000)).toBe(true);
    expect(fake.batches).toHaveLength(2);
    expect(fake.batches[1].at - fake.batches[0].at).toBeGreaterThanOrEqual(950);
    expect(fake.batches[1].reports).toEqual(fake.batches[0].reports);
    expect(c.stats()).toMatchObject({ sent: 1, failed: 0, queued: 0 });
  });

  it('backs off on 429 too, and gives a batch up after maxAttempts', async () => {
    fake.respond(status(429, { 'retry-after': '0' }), status(429, { 'retry-after': '0' }), status(429, { 'retry-after': '0' }));
    const c = client({ maxAttempts: 3 });
    c.captureMessage('rate limited');
    expect(await c.flush(3000)).toBe(true);
    expect(fake.batches).toHaveLength(3);
    expect(c.stats()).toMatchObject({ sent: 0, failed: 1, queued: 0 });
  });

  it('does not retry a batch the server refuses (401)', async () => {
    fake.respond(status(401));
    const errors: unknown[] = [];
    const c = client({ onError: (error) => errors.push(error) });
    c.captureMessage('wrong key');
    expect(await c.flush()).toBe(true);
    expect(fake.batches).toHaveLength(1);
    expect(c.stats()).toMatchObject({ rejected: 1, sent: 0 });
    expect(String(errors[0])).toContain('401');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('queue bound', () => {
  it('drops the oldest reports past maxQueueSize and reports how many were dropped', async () => {
    const c = client({ maxQueueSize: 10, batchSize: 100 });
    for (let i = 0; i < 25; i++) c.captureMessage(`m${i}`);
    expect(c.stats()).toMatchObject({ queued: 10, dropped: 15 });
    expect(await c.flush()).toBe(true);
    const [notice, ...kept] = fake.reports();
    expect(notice).toMatchObject({ error_type: 'LogCenterReportsDropped', level: 'WARNING', context: { dropped: 15, max_queue_size: 10 } });
    expect(kept.map((r) => r.message)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 15}`));
  });
});

describe('never throws into the app', () => {
  it('survives a dead server, odd values and failing hooks', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const errors: unknown[] = [];
    const c = client({
      url: `http://127.0.0.1:${port}`,
      onError: (error) => {
        errors.push(error);
        throw new Error('a broken onError');
      },
      beforeSend: (report) => {
        if (report.message === 'explode') throw new Error('a broken beforeSend');
        return report;
      },
    });
    const circular: Record<string, unknown> = { big: 10n };
    circular.self = circular;
    Object.defineProperty(circular, 'getter', { enumerable: true, get: () => { throw new Error('no'); } });
    const start = Date.now();
    expect(() => {
      c.captureException(null);
      c.captureException(undefined);
      c.captureException('a string');
      c.captureException(Object.create(null));
      c.captureException(new Error('with context'), { context: circular });
      c.captureMessage('explode');
      c.captureMessage(undefined as unknown as string, 'nonsense' as never);
    }).not.toThrow();
    expect(await c.flush(400)).toBe(false);
    expect(Date.now() - start).toBeLessThan(2000);
    expect(errors.length).toBeGreaterThan(0);
    expect(c.stats().queued).toBeGreaterThan(0);
    expect(await c.close(100)).toBe(false);
    expect(() => new LogCenterClient({ url: 'not a url', apiKey: key })).not.toThrow();
    expect(new LogCenterClient({ url: 'not a url', apiKey: key }).captureMessage('x')).toBe(false);
  });
});

describe('module API', () => {
  it('init, captureMessage from the calling line, flush and close', async () => {
    const before = process.listenerCount('uncaughtException');
    sdk.init({ url: fake.url, apiKey: key, appRoot: new URL('../../..', import.meta.url).pathname, flushIntervalMs: 60_000 });
    expect(process.listenerCount('uncaughtException')).toBe(before + 1);
    const line = Number(new Error().stack?.split('\n')[1].match(/:(\d+):\d+\)?$/)?.[1]) + 1;
    sdk.captureMessage('deploy finished', 'info');
    expect(await sdk.flush()).toBe(true);
    expect(fake.reports()[0]).toMatchObject({
      error_type: 'Message',
      level: 'info',
      message: 'deploy finished',
      file_path: 'reporters/node/test/client.test.ts',
      line_number: line,
    });
    expect(await sdk.close()).toBe(true);
    expect(process.listenerCount('uncaughtException')).toBe(before);
    expect(sdk.captureException(new Error('after close'))).toBe(false);
  });
});
