// npm run bench:read — seeds 1M occurrences over 20k bugs on PostgreSQL, then times the
// list and stats queries the dashboard makes (in-process app.request, real database).
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createApp } from '../../server/src/app.ts';
import { loadConfig } from '../../server/src/config.ts';
import { openDatabase } from '../../server/src/db/client.ts';
import { refreshAllBugSearch } from '../../server/src/search/queries.ts';
import { createScratchDatabase } from './scratch-database.ts';

const { values: args } = parseArgs({
  options: {
    bugs: { type: 'string', default: '20000' },
    occurrences: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '40' },
  },
});
const bugCount = Number(args.bugs);
const occurrenceCount = Number(args.occurrences);
const runs = Number(args.runs);
const adminToken = 'bench-admin-token-0123456789';

async function main() {
  const scratch = await createScratchDatabase('lc_bench_read');
  const database = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 10 });
  try {
    await database.migrate();
    const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    const seedStart = performance.now();
    await sql.unsafe(`
      insert into projects (id, name) select 'project_' || i, 'Project ' || i from generate_series(0, 9) i;
      insert into bugs (project_id, fingerprint, source, level, error_type, message, file_path, line_number,
                        environment, status, occurrence_count, first_seen, last_seen, updated_at, context)
      select 'project_' || (i % 10), md5(i::text),
             (array['runtime','runtime','runtime','cicd','deployment'])[1 + i % 5],
             (array['DEBUG','INFO','WARNING','ERROR','ERROR','CRITICAL'])[1 + i % 6],
             (array['TypeError','RangeError','TestFailure','OOMKilled','TimeoutError'])[1 + i % 5],
             'Something failed while processing item ' || i || ' in module ' || (i % 97),
             case when i % 5 < 3 then 'src/module-' || (i % 500) || '.ts' end,
             case when i % 5 < 3 then i % 400 end,
             (array['production','staging','development'])[1 + i % 3],
             (array['new','new','new','fixing','fixed','resolved','ignored'])[1 + i % 7],
             0, now(), now(), now(), '{}'::jsonb
      from generate_series(1, ${bugCount}) i;
      insert into occurrences (bug_id, received_at, occurred_at, level, message, environment, context, tags)
      select 1 + (i::bigint * 7919) % ${bugCount}, t, t, 'ERROR', 'Something failed', 'production',
             jsonb_build_object('request_id', i), '{}'::jsonb
      from (select i, now() - (random() * interval '14 days') as t from generate_series(1, ${occurrenceCount}) i) s;
      insert into bug_hourly_counts (bug_id, hour, count)
      select bug_id, date_trunc('hour', received_at), count(*) from occurrences group by 1, 2;
      update bugs b set occurrence_count = s.n, first_seen = s.first, last_seen = s.last
      from (select bug_id, count(*) n, min(received_at) first, max(received_at) last from occurrences group by bug_id) s
      where s.bug_id = b.id;
    `);
    // Seeded bugs bypass ingest, so their search rows come from the refresher's own statement.
    await refreshAllBugSearch(database.db);
    await sql`analyze`;
    await sql.end();
    console.log(
      `seeded ${bugCount.toLocaleString('en-US')} bugs and ${occurrenceCount.toLocaleString('en-US')} occurrences in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );
    // What every server start adds in the background: the search refresher's full pass.
    const passStart = performance.now();
    await refreshAllBugSearch(database.db);
    console.log(`search full pass at server start (nothing to change): ${(performance.now() - passStart).toFixed(0)} ms`);

    const { app } = createApp({ db: database.db, config: loadConfig({}), adminToken });
    const headers = { authorization: `Bearer ${adminToken}` };
    const firstPage = (await (await app.request('/api/v1/bugs?limit=50', { headers })).json()) as { next_cursor: string };
    const bugId = Math.floor(bugCount / 2);
    const queries: [string, string][] = [
      ['bugs, default', '/api/v1/bugs'],
      ['bugs, page 2 (cursor)', `/api/v1/bugs?cursor=${firstPage.next_cursor}`],
      ['bugs, project', '/api/v1/bugs?project_id=project_3'],
      ['bugs, source', '/api/v1/bugs?source=deployment'],
      ['bugs, status', '/api/v1/bugs?status=resolved'],
      ['bugs, level', '/api/v1/bugs?level=CRITICAL'],
      ['bugs, environment', '/api/v1/bugs?environment=staging'],
      ['bugs, all filters', '/api/v1/bugs?project_id=project_3&source=runtime&status=new&level=ERROR&environment=production'],
      ['bugs, text search', '/api/v1/bugs?q=module%2042'],
      ['bugs, text search, one match', '/api/v1/bugs?q=item%2012345%20'],
      ['bugs, sort count', '/api/v1/bugs?sort=count'],
      ['bugs, sort first_seen', '/api/v1/bugs?sort=first_seen&order=asc'],
      ['bug detail', `/api/v1/bugs/${bugId}`],
      ['stats, all time', '/api/v1/dashboard/stats'],
      ['stats, 24h', '/api/v1/dashboard/stats?since=24h'],
      ['stats, 14d', '/api/v1/dashboard/stats?since=14d'],
      ['stats, project + source, 14d', '/api/v1/dashboard/stats?project_id=project_3&source=runtime&since=14d'],
    ];
    console.log('');
    console.log('| query | p50 | p95 | goal p95 ≤ 50 ms |');
    console.log('| --- | ---: | ---: | --- |');
    let worst = 0;
    for (const [label, path] of queries) {
      const times: number[] = [];
      for (let i = 0; i < runs + 3; i++) {
        const start = performance.now();
        const res = await app.request(path, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
        if (i >= 3) times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const p50 = times[Math.floor(times.length * 0.5)];
      const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)];
      worst = Math.max(worst, p95);
      console.log(`| ${label} | ${p50.toFixed(1)} ms | ${p95.toFixed(1)} ms | ${p95 <= 50 ? 'yes' : 'NO'} |`);
    }
    console.log('');
    console.log(`worst p95: ${worst.toFixed(1)} ms`);
  } finally {
    await database.close();
    await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
