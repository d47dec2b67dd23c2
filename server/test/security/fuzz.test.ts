import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../src/schemas/error.ts';
import { createHarness, type Harness } from '../harness.ts';
import { testDatabaseKind } from '../test-database.ts';

// At least 10,000 payloads on PGlite; fewer on PostgreSQL, which runs the same code paths.
const requestsPerRun = 10;
const runs = testDatabaseKind() === 'pglite' ? 1_000 : 300;

type FuzzRequest = { label: string; path: string; method: string; headers: Record<string, string>; body: string | Uint8Array<ArrayBuffer> };

let h: Harness;
let keyA: string;
let keyB: string;
let globalKey: string;
let dsnA: number;
let dsnB: number;
let sent = 0;

beforeAll(async () => {
  // Unlimited, so hostile but valid reports reach the database instead of stopping at 429.
  h = await createHarness({ env: { LOG_CENTER_RATE_LIMIT_PER_MINUTE: '0' } });
  ({ apiKey: keyA, dsnId: dsnA } = await h.createProject('fuzz_a'));
  ({ apiKey: keyB, dsnId: dsnB } = await h.createProject('fuzz_b'));
  globalKey = await h.createGlobalKey();
});
afterAll(() => h.close());

const stackTraceInBody = /\n\s+at \S|\bat (async )?[\w$.<>]+ \([^)]*:\d+:\d+\)|node_modules|\.ts:\d+/;
const sqlInBody =
  /syntax error at or near|violates [\w -]*constraint|duplicate key value|invalid input syntax|relation "[^"]+" does not exist|\binsert into\b|\bselect\b[^"]{0,80}\bfrom\b|PostgresError|drizzle/i;

async function send(request: FuzzRequest) {
  sent++;
  const res = await h.app.request(request.path, { method: request.method, headers: request.headers, body: request.body });
  const text = await res.text();
  const where = `${request.label}: ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(text, where).not.toMatch(stackTraceInBody);
  expect(text, where).not.toMatch(sqlInBody);
  if (res.status >= 400 && res.status !== 404 && text.startsWith('{')) {
    expect(errorBodySchema.safeParse(JSON.parse(text)).success, where).toBe(true);
  }
  return res.status;
}

// Strings that break naive code: NUL, lone surrogates, bidi overrides, template markers, prototype keys.
const nasty = fc.constantFrom(
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\u202E',
  '\uFEFF',
  '{{ default }}',
  '{{default}}',
  '__proto__',
  'constructor',
  "'; drop table bugs; --",
  '${7*7}',
  '<script>alert(1)</script>',
  '%00',
  '\\',
  '"',
  'Bearer abc.def',
  '4111 1111 1111 1111',
  '-----BEGIN PRIVATE KEY-----',
  '1e309',
  '-0',
);
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.array(fc.oneof(nasty, fc.string({ maxLength: 8 })), { maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20_000 }).chain((n) => fc.constantFrom('x', '\u00e9', '\u{1F600}', '\n').map((c) => c.repeat(n))) },
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-300, 1e11, 1e15, 4_102_444_800_000),
);
const jsonish = fc.jsonValue({ maxDepth: 4 });
// Deeper than any bound, built as text so the test itself never recurses.
const deepText = fc
  .tuple(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom<[string, string]>(['{"a":', '}'], ['[', ']'], ['{"__proto__":', '}']))
  .map(([depth, [open, close]]) => `${open.repeat(depth)}1${close.repeat(depth)}`);

const anyValue = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), jsonish);

const reportFields = fc.record(
  {
    project_id: fc.oneof(fc.constantFrom('fuzz_a', 'fuzz_b', 'fuzz_new', 'UPPER', '-x', 'a'.repeat(65)), anyValue),
    source: fc.oneof(fc.constantFrom('runtime', 'cicd', 'deployment', ' CICD ', 'other'), anyValue),
    level: fc.oneof(fc.constantFrom('error', 'FATAL', 'warn', 'loud', ''), anyValue),
    error_type: fc.oneof(fc.constantFrom('Error', 'TypeError', ' '), hostileString, anyValue),
    message: fc.oneof(hostileString, anyValue),
    stack_trace: fc.oneof(hostileString, anyValue),
    file_path: fc.oneof(fc.constantFrom('src/a.ts', '../../etc/passwd'), hostileString, anyValue),
    line_number: fc.oneof(hostileNumber, anyValue),
    environment: fc.oneof(hostileString, anyValue),
    release: fc.oneof(hostileString, anyValue),
    timestamp: fc.oneof(hostileNumber, fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }).map((ms) => new Date(ms).toISOString()), hostileString),
    fingerprint: fc.oneof(fc.array(hostileString, { maxLength: 40 }), anyValue),
    tags: fc.oneof(fc.dictionary(hostileString, anyValue, { maxKeys: 30 }), anyValue),
    context: fc.oneof(
      fc.dictionary(hostileString, anyValue, { maxKeys: 30 }),
      fc.record({ log_tail: hostileString, logs: hostileString, job_name: anyValue, namespace: anyValue }, { requiredKeys: [] }),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

// Mostly-valid reports with a few hostile fields reach the deepest code; fully random ones test the edges.
const reportObject = fc.oneof(
  { weight: 3, arbitrary: reportFields.map((fields) => ({ error_type: 'FuzzError', message: 'fuzz', project_id: 'fuzz_a', ...fields })) },
  { weight: 1, arbitrary: reportFields },
  { weight: 1, arbitrary: jsonish },
);

const reportText = fc.oneof(
  { weight: 6, arbitrary: reportObject.map((value) => JSON.stringify(value) ?? 'null') },
  { weight: 1, arbitrary: deepText.map((deep) => `{"error_type":"Deep","message":"m","project_id":"fuzz_a","context":{"d":${deep}}}`) },
  { weight: 1, arbitrary: deepText },
  {
    weight: 1,
    arbitrary: fc
      .tuple(reportObject.map((value) => JSON.stringify(value) ?? ''), fc.nat(), fc.string({ maxLength: 3 }))
      .map(([text, at, junk]) => text.slice(0, at % (text.length + 1)) + junk),
  },
  { weight: 1, arbitrary: hostileString },
);

const batchText = fc.oneof(
  { weight: 4, arbitrary: fc.array(reportObject, { maxLength: 12 }).map((reports) => JSON.stringify({ reports })) },
  { weight: 2, arbitrary: fc.array(reportObject, { maxLength: 12 }).map((reports) => JSON.stringify(reports)) },
  { weight: 1, arbitrary: fc.integer({ min: 101, max: 150 }).map((n) => JSON.stringify(Array.from({ length: n }, () => ({ error_type: 'E', message: 'm' })))) },
  { weight: 1, arbitrary: fc.oneof(jsonish.map((value) => JSON.stringify({ reports: value }) ?? ''), deepText, hostileString) },
);

const ingestAuth = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Record<string, string>>({ authorization: 'KEY_A' }, { 'x-api-key': 'KEY_A' }, { authorization: 'GLOBAL' }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom<Record<string, string>>({}, { authorization: 'KEY_B' }, { authorization: 'Bearer' }, { authorization: 'Basic Zm9vOmJhcg==' }),
      hostileString.map((value) => ({ authorization: `Bearer ${value}` })),
    ),
  },
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/vnd.api+json', 'text/plain', 'application/x-www-form-urlencoded', '', 'multipart/form-data; boundary=x') },
);

function resolveAuth(headers: Record<string, string>): Record<string, string> {
  const keyFor = (value: string) => (value === 'KEY_A' ? keyA : value === 'KEY_B' ? keyB : value === 'GLOBAL' ? globalKey : undefined);
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      const key = keyFor(value);
      if (!key) return [name, value.replace(/[^\t\x20-\x7e]/g, '?')];
      return [name, name === 'authorization' ? `Bearer ${key}` : key];
    }),
  );
}

const ingestRequest = fc
  .tuple(fc.boolean(), reportText, batchText, ingestAuth, contentType)
  .map(([single, report, batch, auth, type]): FuzzRequest => ({
    label: single ? 'report' : 'batch',
    path: single ? '/api/v1/logs/report' : '/api/v1/logs/report/batch',
    method: 'POST',
    headers: { ...(type ? { 'content-type': type } : {}), ...resolveAuth(auth) },
    body: single ? report : batch,
  }));

const frame = fc.record(
  {
    filename: fc.oneof(fc.constantFrom('/app/src/a.js', 'node:internal/x', 'https://cdn.example/app.js?v=1'), hostileString, anyValue),
    function: fc.oneof(hostileString, anyValue),
    module: fc.oneof(hostileString, anyValue),
    lineno: fc.oneof(hostileNumber, anyValue),
    colno: hostileNumber,
    in_app: fc.oneof(fc.boolean(), anyValue),
  },
  { requiredKeys: [] },
);

const sentryEvent = fc.record(
  {
    event_id: fc.oneof(fc.uuid().map((id) => id.replaceAll('-', '')), hostileString, anyValue),
    timestamp: fc.oneof(hostileNumber, hostileString),
    level: fc.oneof(fc.constantFrom('fatal', 'error', 'warning', 'info', 'debug', 'nope'), anyValue),
    platform: hostileString,
    message: fc.oneof(hostileString, fc.record({ formatted: hostileString, message: anyValue }, { requiredKeys: [] }), anyValue),
    logentry: fc.oneof(fc.record({ formatted: hostileString, message: hostileString }, { requiredKeys: [] }), anyValue),
    exception: fc.oneof(
      fc.record({
        values: fc.array(
          fc.record(
            {
              type: fc.oneof(hostileString, anyValue),
              value: fc.oneof(hostileString, anyValue),
              mechanism: fc.oneof(fc.record({ type: hostileString, handled: fc.boolean() }, { requiredKeys: [] }), anyValue),
              stacktrace: fc.oneof(fc.record({ frames: fc.oneof(fc.array(frame, { maxLength: 30 }), anyValue) }), anyValue),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
      }),
      fc.array(fc.record({ type: hostileString, value: hostileString }), { maxLength: 3 }),
      anyValue,
    ),
    fingerprint: fc.oneof(fc.array(fc.oneof(hostileString, fc.constant('{{ default }}')), { maxLength: 40 }), anyValue),
    tags: fc.oneof(fc.dictionary(hostileString, anyValue, { maxKeys: 20 }), fc.array(fc.tuple(hostileString, hostileString)), anyValue),
    extra: fc.oneof(fc.dictionary(hostileString, anyValue, { maxKeys: 20 }), anyValue),
    contexts: fc.oneof(fc.dictionary(hostileString, anyValue, { maxKeys: 10 }), anyValue),
    user: fc.oneof(fc.record({ id: anyValue, email: hostileString, ip_address: hostileString }, { requiredKeys: [] }), anyValue),
    request: fc.oneof(fc.record({ url: hostileString, method: hostileString, headers: anyValue, cookies: anyValue, data: anyValue }, { requiredKeys: [] }), anyValue),
    breadcrumbs: fc.oneof(fc.record({ values: fc.array(fc.dictionary(hostileString, anyValue, { maxKeys: 5 }), { maxLength: 50 }) }), anyValue),
    environment: fc.oneof(hostileString, anyValue),
    release: fc.oneof(hostileString, anyValue),
    sdk: anyValue,
  },
  { requiredKeys: [] },
);

const itemType = fc.oneof({ weight: 4, arbitrary: fc.constant('event') }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('session', 'attachment', 'transaction', 'client_report'), hostileString) });

const envelopeItem = fc
  .tuple(itemType, fc.oneof({ weight: 4, arbitrary: sentryEvent.map((event) => JSON.stringify(event)) }, { weight: 1, arbitrary: fc.oneof(hostileString, deepText) }), fc.oneof(fc.constant<'none' | 'exact' | number>('none'), fc.constant<'none' | 'exact' | number>('exact'), hostileNumber))
  .map(([type, payload, length]) => {
    const header: Record<string, unknown> = { type };
    if (length === 'exact') header.length = Buffer.byteLength(payload);
    else if (length !== 'none') header.length = length;
    return `${JSON.stringify(header)}\n${payload}`;
  });

const envelopeText = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.oneof(fc.record({ event_id: fc.oneof(fc.uuid().map((id) => id.replaceAll('-', '')), hostileString), dsn: hostileString, sent_at: hostileString }, { requiredKeys: [] }), anyValue), fc.array(envelopeItem, { maxLength: 4 }), fc.boolean())
      .map(([header, items, trailingNewline]) => [JSON.stringify(header) ?? '', ...items].join('\n') + (trailingNewline ? '\n' : '')),
  },
  { weight: 1, arbitrary: fc.oneof(hostileString, deepText, jsonish.map((value) => JSON.stringify(value) ?? '')) },
);

const storeText = fc.oneof(
  { weight: 5, arbitrary: sentryEvent.map((event) => JSON.stringify(event)) },
  { weight: 1, arbitrary: fc.oneof(hostileString, deepText, jsonish.map((value) => JSON.stringify(value) ?? ''), hostileString.map((value) => Buffer.from(value).toString('base64'))) },
);

type Encoding = 'none' | 'gzip' | 'deflate' | 'raw-deflate' | 'br' | 'lie-gzip' | 'bogus';
const encoding = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Encoding>('none') },
  { weight: 3, arbitrary: fc.constantFrom<Encoding>('gzip', 'deflate', 'raw-deflate', 'br', 'lie-gzip', 'bogus') },
);

function encode(text: string, how: Encoding): { body: string | Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const bytes = Buffer.from(text);
  switch (how) {
    case 'none':
      return { body: text, headers: {} };
    case 'gzip':
      return { body: new Uint8Array(gzipSync(bytes)), headers: { 'content-encoding': 'gzip' } };
    case 'deflate':
      return { body: new Uint8Array(deflateSync(bytes)), headers: { 'content-encoding': 'deflate' } };
    case 'raw-deflate':
      return { body: new Uint8Array(deflateSync(bytes).subarray(2)), headers: { 'content-encoding': 'deflate' } };
    case 'br':
      return { body: new Uint8Array(brotliCompressSync(bytes)), headers: { 'content-encoding': 'br' } };
    case 'lie-gzip':
      return { body: text, headers: { 'content-encoding': 'gzip' } };
    case 'bogus':
      return { body: text, headers: { 'content-encoding': 'compress' } };
  }
}

const sentryAuth = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('query-a', 'header-a') },
  { weight: 1, arbitrary: fc.constantFrom('none', 'query-b', 'wrong', 'global', 'hostile') },
);

const sentryRequest = fc
  .tuple(fc.boolean(), envelopeText, storeText, encoding, sentryAuth, fc.constantFrom('dsn-a', 'dsn-a', 'dsn-a', 'dsn-b', 'unknown'), fc.constantFrom('', '/'), fc.option(contentType, { nil: undefined }), hostileString)
  .map(([isEnvelope, envelope, store, how, auth, dsn, slash, type, hostile]): FuzzRequest => {
    const dsnId = dsn === 'dsn-a' ? dsnA : dsn === 'dsn-b' ? dsnB : 987_654;
    const key = { 'query-a': keyA, 'header-a': keyA, 'query-b': keyB, wrong: 'f'.repeat(32), global: globalKey, hostile: encodeURIComponent(hostile.toWellFormed()), none: '' }[auth];
    const encoded = encode(isEnvelope ? envelope : store, how);
    const headers: Record<string, string> = { ...encoded.headers, ...(type ? { 'content-type': type } : {}) };
    if (auth === 'header-a') headers['x-sentry-auth'] = `Sentry sentry_version=7, sentry_client=fuzz/1.0, sentry_key=${key}`;
    const query = auth === 'none' || auth === 'header-a' ? '' : `?sentry_key=${key}`;
    return {
      label: isEnvelope ? 'envelope' : 'store',
      path: `/api/${dsnId}/${isEnvelope ? 'envelope' : 'store'}${slash}${query}`,
      method: 'POST',
      headers,
      body: encoded.body,
    };
  });

const anyRequest = fc.oneof({ weight: 3, arbitrary: ingestRequest }, { weight: 2, arbitrary: sentryRequest });

describe('fuzzing the ingest endpoints', () => {
  it(`answers ${runs * requestsPerRun} generated malformed and hostile payloads with 2xx or 4xx, never 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyRequest, { minLength: requestsPerRun, maxLength: requestsPerRun }), async (requests) => {
        // Concurrently, as real clients do: group commit and the event-id claims see overlapping writes.
        await Promise.all(requests.map(send));
      }),
      {
        numRuns: runs,
        endOnFailure: true,
        // The counterexample can be megabytes of generated text: report its start and the seed to replay it.
        reporter: (details) => {
          if (!details.failed) return;
          const example = JSON.stringify(details.counterexample).slice(0, 3000);
          throw new Error(`seed ${details.seed}, path ${details.counterexamplePath}: ${String(details.errorInstance).slice(0, 1000)}\n${example}`);
        },
      },
    );
    expect(sent).toBeGreaterThanOrEqual(runs * requestsPerRun);
  }, 600_000);

  it('refuses oversized bodies and compression bombs with 413, without inflating them', async () => {
    const huge = JSON.stringify({ error_type: 'E', message: 'x'.repeat(1_100_000) });
    const bomb = Buffer.alloc(64 * 1024 * 1024, ' ');
    const bombs = { gzip: gzipSync(bomb), deflate: deflateSync(bomb), br: brotliCompressSync(bomb) };
    const before = process.memoryUsage().rss;
    for (const path of ['/api/v1/logs/report', '/api/v1/logs/report/batch']) {
      expect(await send({ label: 'huge', path, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keyA}` }, body: huge })).toBe(413);
    }
    for (const kind of ['envelope', 'store']) {
      const path = `/api/${dsnA}/${kind}/?sentry_key=${keyA}`;
      expect(await send({ label: `huge ${kind}`, path, method: 'POST', headers: {}, body: huge })).toBe(413);
      for (const [name, compressed] of Object.entries(bombs)) {
        expect(compressed.length).toBeLessThan(1_048_576);
        const status = await send({ label: `${name} bomb ${kind}`, path, method: 'POST', headers: { 'content-encoding': name }, body: new Uint8Array(compressed) });
        expect(status, `${name} bomb on ${kind}`).toBe(413);
      }
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  }, 120_000);

  it('still serves afterwards: health, readiness, a valid report and the bug list', async () => {
    expect((await h.app.request('/healthz')).status).toBe(200);
    expect((await h.app.request('/readyz')).status).toBe(200);
    const res = await h.report(keyA, { error_type: 'AfterFuzz', message: 'still alive' });
    expect(res.status).toBe(201);
    const list = await h.admin('GET', '/api/v1/bugs?project_id=fuzz_a&q=still%20alive');
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
  });
});
