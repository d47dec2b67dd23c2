// npm run bench [-- --embedded] [--duration 30] [--connections 64]
// Ingest throughput of the real server against a bare Hono JSON echo measured in the same run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchReports } from './reports.ts';
import { type ScratchDatabase, createScratchDatabase } from './scratch-database.ts';
import { spawn, spawnSync } from 'node:child_process';
import { peakRssMiB, repoRoot, startProcess, stopProcess } from '../../server/test/processes.ts';

const { values: args } = parseArgs({
  options: {
    embedded: { type: 'boolean', default: false },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '64' },
    fingerprints: { type: 'string', default: '1000' },
  },
});
const duration = Number(args.duration);
const connections = String(Number(args.connections));
const adminToken = 'bench-admin-token-0123456789';
const work = mkdtempSync(path.join(tmpdir(), 'log-center-bench-'));

/** Runs load.ts in its own process and returns its JSON summary. */
export function runLoad(args: string[]): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/load.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
      else resolve(JSON.parse(output.trim().split('\n').pop() as string) as LoadResult);
    });
  });
}

export type LoadResult = {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  bytesPerRequest: number;
};

function createBenchDatabase(): Promise<ScratchDatabase | undefined> {
  return args.embedded ? Promise.resolve(undefined) : createScratchDatabase('lc_bench');
}

async function api(base: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const fingerprints = Number(args.fingerprints);
  const bodiesFile = path.join(work, 'bodies.json');
  writeFileSync(bodiesFile, JSON.stringify(benchReports('bench', fingerprints, fingerprints * 5)));
  const warmupFile = path.join(work, 'warmup.json');
  writeFileSync(warmupFile, JSON.stringify(benchReports('bench_warmup', fingerprints, fingerprints)));

  console.log(`Log Center ingest benchmark: ${connections} connections, ${duration} s, ${fingerprints} fingerprints, ${args.embedded ? 'embedded PGlite' : 'PostgreSQL'}`);

  // 1. The ceiling: a bare Hono JSON echo, same bodies, same load generator.
  const echo = await startProcess('scripts/bench/echo-server.ts', {});
  const echoResult = await runLoad([`${echo.url}/`, bodiesFile, connections, '--duration', String(duration)]);
  await stopProcess(echo.child);

  // 2. The real server, as `npm start` runs it (the bundle), on a fresh database.
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-server.ts'], { cwd: repoRoot, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('building the server failed');
  const database = await createBenchDatabase();
  const server = await startProcess('dist/server/index.js', {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_CENTER_ADMIN_TOKEN: adminToken,
    LOG_CENTER_DATA_DIR: path.join(work, 'data'),
    LOG_CENTER_RATE_LIMIT_PER_MINUTE: '0',
    // Tuning knobs (LOG_CENTER_INGEST_*, LOG_CENTER_DB_POOL_SIZE…) pass through to the server.
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('LOG_CENTER_')) as [string, string][]),
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  let failed = false;
  try {
    const { api_key: key } = (await api(server.url, 'POST', '/api/v1/keys', { scope: 'all' })) as { api_key: string };
    const target = `${server.url}/api/v1/logs/report`;
    const auth = `authorization:Bearer ${key}`;
    // A short warm-up (its own project) sizes the measured run, which sends an exact number
    // of requests so every answer is counted before the totals are compared.
    const warmup = await runLoad([target, warmupFile, connections, '--duration', '3', auth]);
    const amount = Math.max(1000, Math.round(warmup.perSecond * duration));
    const result = await runLoad([target, bodiesFile, connections, '--amount', String(amount), auth]);
    const rss = peakRssMiB(server.child.pid);

    const stats = (await api(server.url, 'GET', '/api/v1/dashboard/stats?project_id=bench')) as {
      total_occurrences: number;
      total_bugs: number;
    };
    const ratio = result.perSecond / echoResult.perSecond;
    const exact = stats.total_occurrences === result.ok;
    failed = !exact;

    const row = (name: string, r: LoadResult) =>
      `| ${name} | ${fmt(r.perSecond)} | ${fmt(r.p50, 1)} ms | ${fmt(r.p99, 1)} ms | ${fmt(r.ok)} | ${fmt(r.non2xx + r.errors + r.timeouts)} |`;
    console.log('');
    console.log('| run | 2xx/s | p50 | p99 | 2xx | other |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    console.log(row('bare Hono JSON echo', echoResult));
    console.log(row('POST /api/v1/logs/report', result));
    console.log('');
    console.log(`body size             ${fmt(result.bytesPerRequest)} bytes on average`);
    console.log(`reports/s             ${fmt(result.perSecond)}  (goal ≥ ${args.embedded ? '1,000' : '15,000'})`);
    console.log(`ratio to echo         ${fmt(ratio * 100, 1)} %  (goal ≥ 30 %)`);
    console.log(`p99 latency           ${fmt(result.p99, 1)} ms  (goal ≤ 50 ms)`);
    console.log(`server peak RSS       ${fmt(rss, 1)} MiB  (goal ≤ 150 MiB)`);
    console.log(`bugs                  ${fmt(stats.total_bugs)}`);
    console.log(
      `exact count           ${exact ? 'yes' : 'NO'}: sum(occurrence_count) = ${fmt(stats.total_occurrences)}, 2xx answers = ${fmt(result.ok)}`,
    );
  } finally {
    await stopProcess(server.child);
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  }
  if (failed) {
    console.error('FAILED: the stored count differs from the acknowledged count');
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
