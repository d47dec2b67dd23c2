import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Database, openDatabase } from '../src/db/client.ts';

export type TestDatabaseKind = 'pglite' | 'postgres';

/** Which database this vitest project runs on (see vitest.config.ts). */
export const testDatabaseKind = (): TestDatabaseKind =>
  process.env.LC_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

export type TestDatabase = Database & { url?: string };

/**
 * A fresh, migrated database per test file: in-memory PGlite, or a throwaway
 * database on the PostgreSQL server at TEST_DATABASE_URL, dropped on close.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') {
    const database = await openDatabase({ kind: 'pglite' });
    await database.migrate();
    return database;
  }
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('LC_TEST_DB=postgres needs TEST_DATABASE_URL');
  const name = `lc_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 20 });
  await database.migrate();
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
