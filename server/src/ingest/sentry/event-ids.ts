import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sentryEvents } from '../../db/schema.ts';

/** Claims an event id for a project; false when it was already stored (a resend). */
export async function claimEventId(db: Db, projectId: string, eventId: string, now: Date): Promise<boolean> {
  const rows = await db
    .insert(sentryEvents)
    .values({ projectId, eventId, receivedAt: now })
    .onConflictDoNothing()
    .returning({ eventId: sentryEvents.eventId });
  return rows.length > 0;
}

/** Gives a claim back when storing the event failed, so the SDK's retry is not dropped. */
export async function releaseEventId(db: Db, projectId: string, eventId: string): Promise<void> {
  await db.delete(sentryEvents).where(and(eq(sentryEvents.projectId, projectId), eq(sentryEvents.eventId, eventId)));
}
