import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugDetailSchema } from '../../src/schemas/bug.ts';
import { errorBodySchema } from '../../src/schemas/error.ts';
import { reportResultSchema } from '../../src/schemas/report.ts';
import { createHarness, type Harness, startTestServer } from '../harness.ts';

let h: Harness;
let apiKey: string;
let dsnId: number;

beforeAll(async () => {
  h = await createHarness();
  ({ apiKey, dsnId } = await h.createProject('limits'));
});
afterAll(() => h.close());

async function storedBug(res: Response) {
  expect(res.status).toBeLessThan(300);
  const { bug_id } = reportResultSchema.parse(await res.json());
  const detail = await h.admin('GET', `/api/v1/bugs/${bug_id}`);
  return bugDetailSchema.parse(await detail.json());
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(errorBodySchema.parse(await res.json()).error.code).toBe(code);
}

describe('input limits', () => {
  it('truncates long strings with a marker instead of refusing them', async () => {
    const { bug } = await storedBug(await h.report(apiKey, { error_type: 'Long', message: 'm'.repeat(20_000) }));
    expect(bug.message.length).toBeLessThanOrEqual(8192);
    expect(bug.message).toMatch(/…\[truncated \d+ chars\]$/);
  });

  it('never cuts a character in half, even astral ones at the limit', async () => {
    const emoji = '\u{1F600}'.repeat(5_000);
    const { bug } = await storedBug(await h.report(apiKey, { error_type: 'Emoji', message: `a${emoji}`, context: { [emoji]: emoji } }));
    expect(bug.message.isWellFormed()).toBe(true);
    expect(Object.keys(bug.context).every((key) => key.isWellFormed())).toBe(true);
  });

  it('bounds the depth and key count of context and tags', async () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    const wide = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, i]));
    const tags = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`t${i}`, 'v']));
    const { bug } = await storedBug(await h.report(apiKey, { error_type: 'Wide', message: 'm', context: { deep, wide }, tags }));
    expect(JSON.stringify(bug.context)).toContain('[truncated: too deep]');
    expect(Object.keys(bug.context.wide as object).length).toBeLessThanOrEqual(201);
  });

  it('stores a line number past the integer column as unknown instead of failing', async () => {
    const { bug } = await storedBug(await h.report(apiKey, { error_type: 'Line', message: 'm', file_path: 'a.ts', line_number: 4_102_444_800_000 }));
    expect(bug.line_number).toBeNull();
  });

  it('answers 415 for another content type and 400 for malformed or non-object JSON', async () => {
    const post = (body: string, type: string) =>
      h.app.request('/api/v1/logs/report', { method: 'POST', body, headers: { 'content-type': type, authorization: `Bearer ${apiKey}` } });
    await expectError(await post('error_type=E&message=m', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
    await expectError(await post('{"error_type":"E"', 'application/json'), 400, 'invalid_json');
    await expectError(await post('[[[[[[[[', 'application/json'), 400, 'invalid_json');
    await expectError(await post(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json'), 400, 'validation_error');
  });

  it('answers 413 for a body over 1 MiB and for a compressed body that inflates past the bound', async () => {
    await expectError(await h.report(apiKey, { error_type: 'Big', message: 'x'.repeat(1_100_000) }), 413, 'payload_too_large');
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024, 'a'));
    const res = await h.app.request(`/api/${dsnId}/store/?sentry_key=${apiKey}`, {
      method: 'POST',
      body: new Uint8Array(bomb),
      headers: { 'content-encoding': 'gzip' },
    });
    await expectError(res, 413, 'payload_too_large');
  });

  it('reads a chunked body (no Content-Length) over HTTP, and answers 413 once one runs past the bound', async () => {
    const server = await startTestServer();
    const { apiKey: key } = await server.createProject('chunked');
    // Sends the body in several writes with Transfer-Encoding: chunked, as a streaming client does.
    const send = (chunks: string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${server.url}/api/v1/logs/report`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    try {
      const json = JSON.stringify({ error_type: 'Chunked', message: 'sent in pieces' });
      const stored = await send([json.slice(0, 10), json.slice(10, 20), json.slice(20)]);
      expect(stored.status).toBe(201);
      expect(reportResultSchema.parse(JSON.parse(stored.body)).occurrence_count).toBe(1);
      // With a UTF-8 byte order mark in front, as PowerShell sends it.
      const withBom = await send([`\uFEFF${json}`]);
      expect(withBom.status).toBe(200);
      expect(reportResultSchema.parse(JSON.parse(withBom.body)).occurrence_count).toBe(2);

      const big = JSON.stringify({ error_type: 'Chunked', message: 'x'.repeat(1_100_000) });
      const refused = await send(Array.from({ length: 12 }, (_, i) => big.slice(i * 100_000, (i + 1) * 100_000)));
      expect(refused.status).toBe(413);
      expect(errorBodySchema.parse(JSON.parse(refused.body)).error.code).toBe('payload_too_large');
    } finally {
      await server.close();
    }
  });
});
