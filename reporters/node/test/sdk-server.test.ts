import { readFile } from 'node:fs/promises';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugs, occurrences } from '../../../server/src/db/schema.ts';
import { bugListSchema } from '../../../server/src/schemas/bug.ts';
import { startTestServer } from '../../../server/test/harness.ts';
import { LogCenterClient } from '../src/client.ts';

function chargeCard(): never {
  throw new TypeError('card declined'); // sdk-charge-line
}
function shipOrder(): never {
  throw new RangeError('no courier for zone'); // sdk-ship-line
}
const lineNumbers: Record<string, number> = {};
const lineOf = (marker: string) => lineNumbers[marker];

let server: Awaited<ReturnType<typeof startTestServer>>;
let apiKey: string;

beforeAll(async () => {
  const source = await readFile(new URL(import.meta.url), 'utf8');
  source.split('\n').forEach((line, i) => {
    const marker = /\/\/ (sdk-[a-z]+-line)$/.exec(line)?.[1];
    if (marker) lineNumbers[marker] = i + 1;
  });
  server = await startTestServer();
  apiKey = (await server.createProject('shop')).apiKey;
});
afterAll(() => server.close());

describe('the SDK against a real Log Center server', () => {
  it('flush delivers every report; bugs carry the throwing file and line', async () => {
    const client = new LogCenterClient({
      url: server.url,
      apiKey,
      environment: 'e2e',
      appRoot: new URL('../../..', import.meta.url).pathname,
      captureUncaughtExceptions: false,
      captureUnhandledRejections: false,
    });
    for (let i = 0; i < 130; i++) {
      try {
        if (i % 4 === 0) shipOrder();
        chargeCard();
      } catch (error) {
        client.captureException(error, { tags: { attempt: i } });
      }
    }
    expect(await client.flush(10_000)).toBe(true);
    expect(client.stats()).toMatchObject({ sent: 130, rejected: 0, failed: 0, queued: 0 });
    const [{ count }] = await server.db.select({ count: sql<number>`count(*)::int` }).from(occurrences);
    expect(count).toBe(130);

    const res = await server.admin('GET', '/api/v1/bugs?project_id=shop&sort=count');
    const { items } = bugListSchema.parse(await res.json());
    expect(items.map((b) => [b.error_type, b.file_path, b.line_number, b.occurrence_count, b.environment])).toEqual([
      ['TypeError', 'reporters/node/test/sdk-server.test.ts', lineOf('sdk-charge-line'), 97, 'e2e'],
      ['RangeError', 'reporters/node/test/sdk-server.test.ts', lineOf('sdk-ship-line'), 33, 'e2e'],
    ]);
    const [row] = await server.db.select().from(bugs).where(eq(bugs.errorType, 'RangeError'));
    expect(row.stackTrace).toContain('at shipOrder');
    await client.close();
  });
});
