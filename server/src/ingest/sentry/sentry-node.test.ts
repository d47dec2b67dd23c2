import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import * as Sentry from '@sentry/node';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugs, occurrences } from '../../db/schema.ts';
import { startTestServer } from '../../../test/harness.ts';
import { bugsOf } from './test-support.ts';

function failCheckout(cart: number): never {
  throw new TypeError(`checkout failed for cart ${cart}`); // sentry-node-throw-line
}
function failRefund(order: number): never {
  throw new RangeError(`refund of order ${order} exceeds the payment`); // sentry-node-refund-line
}
const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
const lineOf = (marker: string) => source.split('\n').findIndex((line) => line.includes(`// ${marker}`)) + 1;
const throwLine = lineOf('sentry-node-throw-line');
const refundLine = lineOf('sentry-node-refund-line');

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server;
let dsn: string;
const sent: { status?: number; encoding?: string }[] = [];

/** The SDK's own HTTP transport, watched so tests can see what went over the wire. */
function recordingTransport(options: Parameters<typeof Sentry.makeNodeTransport>[0]) {
  const httpModule = {
    request(requestOptions: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) {
      const headers = (requestOptions.headers ?? {}) as http.OutgoingHttpHeaders;
      const record: { status?: number; encoding?: string } = { encoding: String(headers['content-encoding'] ?? '') };
      sent.push(record);
      return http.request(requestOptions, (res) => {
        record.status = res.statusCode;
        callback?.(res);
      });
    },
  };
  return Sentry.makeNodeTransport({ ...options, httpModule: httpModule as NonNullable<typeof options.httpModule> });
}

function sentryClient(clientDsn: string) {
  const client = new Sentry.NodeClient({
    dsn: clientDsn,
    transport: recordingTransport,
    stackParser: Sentry.defaultStackParser,
    integrations: [],
    environment: 'test',
    release: 'shop@2.0.0',
  });
  const scope = new Sentry.Scope();
  scope.setClient(client);
  client.init();
  return { client, scope };
}

beforeAll(async () => {
  server = await startTestServer();
  // The project API builds the DSN from the request's origin; point it at the real listener.
  const created = new URL((await server.createProject('shop')).dsn);
  created.host = new URL(server.url).host;
  dsn = created.toString();
  Sentry.init({ dsn, defaultIntegrations: false, transport: recordingTransport, environment: 'test', release: 'shop@2.0.0' });
});
afterAll(async () => {
  await Sentry.close(2000);
  await server.close();
});

const flush = () => Sentry.flush(5000);

describe('the real @sentry/node SDK against Log Center', () => {
  it('captureException stores one runtime bug at the throwing line', async () => {
    try {
      failCheckout(1);
    } catch (error) {
      Sentry.captureException(error);
    }
    expect(await flush()).toBe(true);
    const [bug] = (await bugsOf(server, 'shop')).filter((b) => b.error_type === 'TypeError');
    expect(bug).toMatchObject({
      source: 'runtime',
      level: 'ERROR',
      error_type: 'TypeError',
      message: 'checkout failed for cart 1',
      line_number: throwLine,
      environment: 'test',
      release: 'shop@2.0.0',
      occurrence_count: 1,
    });
    expect(bug.file_path).toMatch(/server\/src\/ingest\/sentry\/sentry-node\.test\.ts$/);
    expect(bug.stack_trace).toContain('failCheckout');
  });

  it('groups the same error from the same line into one bug, counted three times', async () => {
    for (let order = 10; order < 13; order++) {
      try {
        failRefund(order);
      } catch (error) {
        Sentry.captureException(error);
      }
    }
    await flush();
    const matching = (await bugsOf(server, 'shop')).filter((b) => b.error_type === 'RangeError');
    expect(matching).toHaveLength(1);
    expect(matching[0].occurrence_count).toBe(3);
    expect(matching[0].line_number).toBe(refundLine);
  });

  it('stores a captureMessage event with its level', async () => {
    Sentry.captureMessage('Payment provider timed out after 3000 ms', 'warning');
    Sentry.captureMessage('Payment provider timed out after 5000 ms', 'warning');
    await flush();
    const messages = (await bugsOf(server, 'shop')).filter((b) => b.error_type === 'Message');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ level: 'WARNING', occurrence_count: 2 });
    expect(messages[0].message).toMatch(/^Payment provider timed out after \d+ ms$/);
  });

  it('honours a custom fingerprint across different errors', async () => {
    for (const error of [new ReferenceError('gateway said 502'), new SyntaxError('gateway sent HTML')]) {
      Sentry.withScope((scope) => {
        scope.setFingerprint(['payment-gateway']);
        Sentry.captureException(error);
      });
    }
    await flush();
    const gateway = (await bugsOf(server, 'shop')).filter((b) => b.error_type === 'ReferenceError' || b.error_type === 'SyntaxError');
    expect(gateway).toHaveLength(1);
    expect(gateway[0].occurrence_count).toBe(2);
  });

  it('sends an envelope over 32 KB gzip-compressed, and it is stored whole', async () => {
    sent.length = 0;
    const blob = 'order-line;'.repeat(4000);
    Sentry.captureException(new EvalError('big context'), { extra: { blob } });
    await flush();
    expect(sent).toEqual([{ encoding: 'gzip', status: 200 }]);
    const [bug] = (await bugsOf(server, 'shop')).filter((b) => b.error_type === 'EvalError');
    expect((bug.context.extra as { blob: string }).blob).toBe(blob);
  });

  it('drops a session item with a 2xx answer', async () => {
    sent.length = 0;
    const before = await server.db.select({ id: occurrences.id }).from(occurrences);
    Sentry.startSession();
    Sentry.captureSession(true);
    await flush();
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect(request.status).toBeGreaterThanOrEqual(200);
    for (const request of sent) expect(request.status).toBeLessThan(300);
    expect(await server.db.select({ id: occurrences.id }).from(occurrences)).toHaveLength(before.length);
  });

  it('a key of another project is refused with 403 and nothing is stored', async () => {
    const other = await server.createProject('other');
    const shop = (await (await server.admin('GET', '/api/v1/projects')).json()) as { items: { id: string; dsn_id: number }[] };
    const shopDsnId = shop.items.find((p) => p.id === 'shop')?.dsn_id;
    const wrongDsn = `http://${other.apiKey}@${new URL(server.url).host}/${shopDsnId}`;
    const { client, scope } = sentryClient(wrongDsn);
    sent.length = 0;
    scope.captureException(new URIError('must not be stored'));
    await client.flush(5000);
    expect(sent.map((request) => request.status)).toEqual([403]);
    expect(await server.db.select().from(bugs).where(eq(bugs.errorType, 'URIError'))).toHaveLength(0);
    await client.close();
  });
});
