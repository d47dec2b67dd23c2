import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { type ProjectRow, projects } from '../schema.ts';

export async function insertProject(db: Db, id: string, name: string): Promise<ProjectRow | undefined> {
  const [row] = await db.insert(projects).values({ id, name }).onConflictDoNothing().returning();
  return row;
}

export async function updateProject(
  db: Db,
  id: string,
  patch: { name?: string; rateLimitPerMinute?: number | null },
): Promise<ProjectRow | undefined> {
  const values = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  if (Object.keys(values).length === 0) return getProject(db, id);
  const [row] = await db.update(projects).set(values).where(eq(projects.id, id)).returning();
  return row;
}

export async function getProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  return row;
}

export async function getProjectByDsnId(db: Db, dsnId: number): Promise<ProjectRow | undefined> {
  const [row] = await db.select().from(projects).where(eq(projects.dsnId, dsnId)).limit(1);
  return row;
}

export async function listProjects(db: Db): Promise<ProjectRow[]> {
  return db.select().from(projects).orderBy(asc(projects.id));
}
