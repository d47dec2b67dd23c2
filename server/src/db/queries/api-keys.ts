import { and, asc, eq, isNull, or } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { type ApiKeyRow, apiKeys } from '../schema.ts';
import { generateApiKey, hashSecret } from '../../auth/tokens.ts';

export type IssuedKey = { row: ApiKeyRow; apiKey: string };

export async function createApiKey(db: Db, projectId: string | null, name = ''): Promise<IssuedKey> {
  const apiKey = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ projectId, name, keyHash: hashSecret(apiKey), keyPrefix: apiKey.slice(0, 8) })
    .returning();
  return { row, apiKey };
}

export async function findActiveKey(db: Db, apiKey: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashSecret(apiKey)), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row;
}

export async function listApiKeys(db: Db, projectId: string): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(or(eq(apiKeys.projectId, projectId), isNull(apiKeys.projectId)))
    .orderBy(asc(apiKeys.id));
}

export async function listGlobalKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(isNull(apiKeys.projectId)).orderBy(asc(apiKeys.id));
}

export async function revokeApiKey(db: Db, id: number, now: Date): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  return row;
}

export async function getApiKey(db: Db, id: number): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return row;
}
