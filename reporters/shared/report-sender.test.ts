import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugListSchema } from '../../server/src/schemas/bug.ts';
import type { ReportInput } from '../../server/src/schemas/report.ts';
import { startTestServer } from '../../server/test/harness.ts';
import { chunkReports, retryAfterMs, SendError, sendReports } from './report-sender.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let apiKey: string;

beforeAll(async () => {
  server = await startTestServer();
  apiKey = await server.createGlobalKey();
});
afterAll(() => server.close());

const report = (n: number, extra: Partial<ReportInput> = {}): ReportInput => ({
  project_id: 'sender',
  error_type: `E${n}`,
  message: `failure ${n}`,
  ...extra,
});

/** Real fetch to the test server, preceded by canned answers. */
function scripted(answers: Response[]) {
  const calls: string[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    calls.push(String(input));
    const next = answers.shift();
    return next ?? fetch(input, init);
  };
  return { fetcher, calls };
}

describe('sendReports', () => {
  it('retries 429 and 503 honouring Retry-After, then delivers', async () => {
    const { fetcher, calls } = scripted([
      new Response('{"error":{"code":"rate_limited","message":"slow down"}}', { status: 429, headers: { 'retry-after': '3' } }),
      new Response('{"error":{"code":"unavailable","message":"db down"}}', { status: 503 }),
    ]);
    const sleeps: number[] = [];
    const result = await sendReports([report(1)], {
      url: `${server.url}/`,
      apiKey,
      fetch: fetcher,
      baseDelayMs: 100,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(result).toEqual({ accepted: 1, rejected: [] });
    expect(sleeps).toEqual([3000, 200]);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toBe(`${server.url}/api/v1/logs/report/batch`);
    const res = await server.admin('GET', '/api/v1/bugs?project_id=sender');
    expect(bugListSchema.parse(await res.json()).items.map((bug) => bug.error_type)).toEqual(['E1']);
  });

  it('gives up after maxAttempts and does not retry other errors', async () => {
    const busy = () => new Response('busy', { status: 503, headers: { 'retry-after': '1' } });
    const { fetcher, calls } = scripted([busy(), busy(), busy()]);
    const failure = sendReports([report(2)], { url: server.url, apiKey, fetch: fetcher, maxAttempts: 3, sleep: async () => {} });
    await expect(failure).rejects.toThrow(/giving up after 3 attempts: HTTP 503/);
    expect(calls).toHaveLength(3);

    const denied = scripted([]);
    const unauthorized = sendReports([report(3)], { url: server.url, apiKey: 'f'.repeat(32), fetch: denied.fetcher, sleep: async () => {} });
    await expect(unauthorized).rejects.toBeInstanceOf(SendError);
    expect(denied.calls).toHaveLength(1);
  });

  it('retries a refused connection and caps the wait', async () => {
    const sleeps: number[] = [];
    const failure = sendReports([report(4)], {
      url: 'http://127.0.0.1:9',
      apiKey,
      maxAttempts: 3,
      baseDelayMs: 20_000,
      maxDelayMs: 25_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await expect(failure).rejects.toThrow(/giving up after 3 attempts/);
    expect(sleeps).toEqual([20_000, 25_000]);
  });

  it('splits by count and by size, and maps rejected items to the caller’s indexes', async () => {
    const big = 'x'.repeat(60_000);
    const reports = [
      ...Array.from({ length: 150 }, (_, i) => report(i, { context: { logs: i < 20 ? big : 'short' } })),
      { project_id: 'sender', error_type: '', message: 'invalid' },
    ];
    const chunks = chunkReports(reports, 900_000);
    expect(chunks.every((c) => c.items.length <= 100 && Buffer.byteLength(JSON.stringify({ reports: c.items })) < 900_000)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.items.length, 0)).toBe(151);

    const { fetcher, calls } = scripted([]);
    const result = await sendReports(reports, { url: server.url, apiKey, fetch: fetcher });
    expect(calls.length).toBe(chunks.length);
    expect(result.accepted).toBe(150);
    expect(result.rejected).toMatchObject([{ index: 150, status: 400 }]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
