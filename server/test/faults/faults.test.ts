import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/db/client.ts';
import { startProcess, stopProcess } from '../processes.ts';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from '../test-database.ts';

const adminToken = 'faults-admin-token-0123456789';
const onPostgres = testDatabaseKind() === 'postgres';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

type Outcome = { seq: number; status: number };

async function createKey(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'all' }),
  });
  return ((await res.json()) as { api_key: string }).api_key;
}

/** `workers` clients each sending reports in a loop; every report carries a unique `seq`. */
async function sendUnderLoad(urls: string[], key: string, workers: number, until: () => boolean, fingerprints = 5) {
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (!until()) {
        const seq = next++;
        const url = urls[(worker + seq) % urls.length];
        let status = 0;
        try {
          const res = await fetch(`${url}/api/v1/logs/report`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              project_id: 'faults',
              error_type: 'E',
              message: 'm',
              file_path: `f${seq % fingerprints}.ts`,
              context: { seq },
            }),
            signal: AbortSignal.timeout(15_000),
          });
          status = res.status;
          await res.arrayBuffer();
        } catch {
          status = 0;
        }
        outcomes.push({ seq, status });
      }
    }),
  );
  return outcomes;
}

async function storedSeqCounts(database: { db: TestDatabase['db'] }) {
  const rows = await queryRows<{ seq: string; n: number | string }>(
    database.db,
    sql`select context->>'seq' as seq, count(*) as n from occurrences group by 1`,
  );
  return new Map(rows.map((row) => [Number(row.seq), Number(row.n)]));
}

async function countsAreConsistent(database: { db: TestDatabase['db'] }) {
  const [row] = await queryRows<{ counted: string | number; stored: string | number }>(
    database.db,
    sql`select (select coalesce(sum(occurrence_count), 0) from bugs) as counted, (select count(*) from occurrences) as stored`,
  );
  expect(Number(row.counted)).toBe(Number(row.stored));
}

const ok = (status: number) => status >= 200 && status < 300;

describe.skipIf(!onPostgres)('database faults (PostgreSQL)', () => {
  it('loses no acknowledged report and double-counts none while connections are killed, then recovers', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.close());
    const server = await startProcess('server/src/index.ts', {
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url as string,
      LOG_CENTER_ADMIN_TOKEN: adminToken,
      LOG_CENTER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'lc-faults-')),
    });
    cleanups.push(() => stopProcess(server.child));
    const key = await createKey(server.url);
    const killer = postgres(process.env.TEST_DATABASE_URL as string, { max: 1, onnotice: () => {} });
    cleanups.push(() => killer.end());
    const dbName = new URL(database.url as string).pathname.slice(1);

    const stopAt = Date.now() + 4000;
    const killing = (async () => {
      let kills = 0;
      while (Date.now() < stopAt - 500) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        const killed = await killer`select pg_terminate_backend(pid) from pg_stat_activity
                                    where datname = ${dbName} and pid <> pg_backend_pid()`;
        kills += killed.length;
      }
      return kills;
    })();
    const outcomes = await sendUnderLoad([server.url], key, 16, () => Date.now() > stopAt);
    const kills = await killing;

    expect(kills).toBeGreaterThan(0);
    const statuses = new Set(outcomes.map((o) => o.status));
    if ([...statuses].some((s) => !ok(s) && s !== 503)) console.log(outcomes.filter((o) => !ok(o.status) && o.status !== 503).length, outcomes.length, server.output().slice(-3000));
    expect([...statuses].filter((s) => !ok(s) && s !== 503)).toEqual([]);
    expect(outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0);

    const stored = await storedSeqCounts(database);
    for (const outcome of outcomes) {
      if (ok(outcome.status)) expect(stored.get(outcome.seq), `acknowledged seq ${outcome.seq}`).toBe(1);
      else expect(stored.get(outcome.seq) ?? 0, `failed seq ${outcome.seq}`).toBeLessThanOrEqual(1);
    }
    await countsAreConsistent(database);

    // It recovers by itself: no restart.
    const after = await sendUnderLoad([server.url], key, 2, (() => {
      let n = 0;
      return () => n++ >= 10;
    })());
    expect(after.every((o) => ok(o.status))).toBe(true);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('two server processes on one database count the same fingerprints exactly', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.close());
    const env = {
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url as string,
      LOG_CENTER_ADMIN_TOKEN: adminToken,
      LOG_CENTER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'lc-two-')),
    };
    const [a, b] = await Promise.all([startProcess('server/src/index.ts', env), startProcess('server/src/index.ts', env)]);
    cleanups.push(() => stopProcess(a.child), () => stopProcess(b.child));
    const key = await createKey(a.url);
    const stopAt = Date.now() + 3000;
    const outcomes = await sendUnderLoad([a.url, b.url], key, 24, () => Date.now() > stopAt, 3);
    const acknowledged = outcomes.filter((o) => ok(o.status)).length;
    expect(acknowledged).toBe(outcomes.length);
    const rows = await queryRows<{ n: string | number }>(database.db, sql`select occurrence_count as n from bugs`);
    expect(rows).toHaveLength(3);
    expect(rows.reduce((sum, row) => sum + Number(row.n), 0)).toBe(acknowledged);
    await countsAreConsistent(database);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM under load: exits within 10 s and every acknowledged report is stored', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lc-shutdown-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    let database: TestDatabase | undefined;
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_CENTER_ADMIN_TOKEN: adminToken,
      LOG_CENTER_DATA_DIR: dataDir,
    };
    if (onPostgres) {
      database = await createTestDatabase();
      cleanups.push(() => (database as TestDatabase).close());
      env.DATABASE_URL = database.url as string;
    }
    const server = await startProcess('server/src/index.ts', env);
    const key = await createKey(server.url);
    let exitedAt = 0;
    const exited = new Promise<number | null>((resolve) =>
      server.child.once('exit', (code) => {
        exitedAt = Date.now();
        resolve(code);
      }),
    );
    const signalAt = Date.now() + 1500;
    setTimeout(() => server.child.kill('SIGTERM'), 1500);
    const outcomes = await sendUnderLoad([server.url], key, 16, () => Date.now() > signalAt + 1000);
    expect(await exited).toBe(0);
    expect(exitedAt - signalAt).toBeLessThan(10_000);

    const acknowledged = outcomes.filter((o) => ok(o.status));
    expect(acknowledged.length).toBeGreaterThan(0);
    const reopened = database ?? (await openDatabase({ kind: 'pglite', dataDir }));
    if (!database) cleanups.push(() => reopened.close());
    const stored = await storedSeqCounts(reopened);
    for (const outcome of acknowledged) expect(stored.get(outcome.seq), `seq ${outcome.seq}`).toBe(1);
    await countsAreConsistent(reopened);
  });
});
