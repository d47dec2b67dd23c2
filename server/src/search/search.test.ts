import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/client.ts';
import { bugListSchema } from '../schemas/bug.ts';
import { createHarness, type Harness } from '../../test/harness.ts';
import { refreshAllBugSearch, refreshBugSearch } from './queries.ts';
import { createSearchRefresher } from './refresher.ts';

let h: Harness;
let key: string;

beforeAll(async () => {
  h = await createHarness();
  key = await h.createGlobalKey();
});
afterAll(() => h.close());

async function search(project: string, q: string): Promise<string[]> {
  const res = await h.admin('GET', `/api/v1/bugs?project_id=${project}&q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  return bugListSchema.parse(await res.json()).items.map((bug) => bug.message);
}

async function report(project: string, fingerprint: string, message: string) {
  const res = await h.report(key, { project_id: project, error_type: 'CheckoutError', message, fingerprint: [fingerprint] });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { bug_id: number }).bug_id;
}

describe('bug text search', () => {
  it('finds a new bug as soon as its report is acknowledged, with no refresher running', async () => {
    await report('s_new', 'a', 'Card declined by issuer');
    expect(await search('s_new', 'declined by')).toEqual(['Card declined by issuer']);
  });

  it('follows the latest message of a bug once the refresher has run', async () => {
    await report('s_latest', 'a', 'Payment timed out after 3000 ms');
    const refresher = createSearchRefresher({ ...h.deps, delayMs: 10 });
    refresher.start();
    await refresher.idle();
    // Past the full pass at start: only the report's own event can bring the new message in.
    await report('s_latest', 'a', 'Payment gateway answered 502');
    await refresher.idle();
    await refresher.stop();
    expect(await search('s_latest', 'answered 502')).toEqual(['Payment gateway answered 502']);
    expect(await search('s_latest', 'timed out')).toEqual([]);
    // Error type and file path stay searchable alongside the message.
    expect(await search('s_latest', 'checkouterror payment')).toEqual(['Payment gateway answered 502']);
  });

  it('rewrites only the rows whose text changed', async () => {
    await report('s_rewrite', 'a', 'Stock check failed for sku 1');
    await report('s_rewrite', 'b', 'Coupon expired');
    await refreshAllBugSearch(h.db, 2);
    await report('s_rewrite', 'a', 'Stock check failed for sku 2');
    await report('s_rewrite', 'b', 'Coupon expired');
    const since = new Date(Date.now() - 60_000);
    expect(await refreshBugSearch(h.db, { since })).toEqual({ changed: 1, added: 0 });
    expect(await refreshBugSearch(h.db, { since })).toEqual({ changed: 0, added: 0 });
    expect(await search('s_rewrite', 'sku 2')).toEqual(['Stock check failed for sku 2']);
  });

  it('gives a search row to a bug written without one, on the first full pass, slice by slice', async () => {
    const id = await report('s_missing', 'a', 'Restored from a backup');
    await queryRows(h.db, sql`delete from bug_search where bug_id = ${id}`);
    expect(await search('s_missing', 'backup')).toEqual([]);
    const refreshed = await refreshAllBugSearch(h.db, 2);
    expect(refreshed.added).toBe(1);
    expect(await search('s_missing', 'backup')).toEqual(['Restored from a backup']);
  });

  it('lets two refreshers rewrite the same rows at once without a deadlock', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => ({
      project_id: 's_race',
      error_type: 'RaceError',
      message: `first ${i}`,
      fingerprint: [`f${i}`],
    }));
    expect((await h.reportBatch(key, batch)).status).toBe(200);
    expect((await h.reportBatch(key, batch.map((r, i) => ({ ...r, message: `second ${i}` })))).status).toBe(200);
    const since = new Date(Date.now() - 60_000);
    const [a, b] = await Promise.all([refreshBugSearch(h.db, { since }), refreshBugSearch(h.db, { since })]);
    expect(a.changed + b.changed).toBe(100);
    const stale = await queryRows<{ n: number | string }>(
      h.db,
      sql`select count(*) as n from bug_search s join bugs b on b.id = s.bug_id
          where b.project_id = 's_race' and s.text not like 'RaceError second %'`,
    );
    expect(Number(stale[0].n)).toBe(0);
  });

  it('treats LIKE wildcards in the query as plain text', async () => {
    await report('s_like', 'a', 'Disk 100% full');
    await report('s_like', 'b', 'Disk 1000 blocks free');
    expect(await search('s_like', '100%')).toEqual(['Disk 100% full']);
    expect(await search('s_like', 'disk_1')).toEqual([]);
  });
});
