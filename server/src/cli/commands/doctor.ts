import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { z } from 'zod';
import { type Config, ConfigError, loadConfig } from '../../config.ts';
import type { Command, CliContext } from '../command.ts';
import { json } from '../format.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export type Check = { name: string; status: CheckStatus; detail: string };

const marks: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };
const skewWarnSeconds = 5;
const skewFailSeconds = 60;

const journalSchema = z.object({ entries: z.array(z.object({ tag: z.string(), when: z.number() })) });

function describeDuration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

function reasonOf(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused: nothing listens there',
    ENOTFOUND: 'the host name does not resolve',
    ETIMEDOUT: 'the connection timed out',
    CONNECT_TIMEOUT: 'the connection timed out',
    '28P01': 'password authentication failed',
    '28000': 'the server rejected this user',
    '3D000': 'the database does not exist',
  };
  return (code && known[code]) ?? e.message ?? String(error);
}

async function timedFetch(url: string, init: RequestInit = {}) {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { res, started, finished: Date.now() };
}

async function serverChecks(ctx: CliContext, checks: Check[]): Promise<void> {
  const base = ctx.env.url;
  try {
    new URL(base);
  } catch {
    checks.push({ name: 'server', status: 'fail', detail: `LOG_CENTER_URL is not a URL: "${base}"` });
    return;
  }

  let health: Awaited<ReturnType<typeof timedFetch>>;
  try {
    health = await timedFetch(`${base}/healthz`);
  } catch (error) {
    checks.push({ name: 'server', status: 'fail', detail: `cannot reach ${base} (${reasonOf(error)}); start the server or fix LOG_CENTER_URL` });
    for (const name of ['clock', 'database (server)', 'admin token']) checks.push({ name, status: 'skip', detail: 'the server is unreachable' });
    return;
  }
  const elapsed = health.finished - health.started;
  checks.push(
    health.res.ok
      ? { name: 'server', status: 'ok', detail: `${base} answered /healthz in ${elapsed} ms` }
      : { name: 'server', status: 'fail', detail: `${base}/healthz answered ${health.res.status}; is LOG_CENTER_URL a Log Center server?` },
  );

  const date = health.res.headers.get('date');
  if (!date) checks.push({ name: 'clock', status: 'skip', detail: 'the server sent no Date header' });
  else {
    // The Date header has one-second resolution and was stamped somewhere inside the round trip.
    const skew = (Date.parse(date) - (health.started + health.finished) / 2) / 1000;
    const beyondResolution = Math.max(0, Math.abs(skew) - 1 - elapsed / 2000);
    const direction = skew > 0 ? 'ahead of' : 'behind';
    checks.push(
      beyondResolution <= skewWarnSeconds
        ? { name: 'clock', status: 'ok', detail: `the server's clock agrees with this machine (within ${skewWarnSeconds}s)` }
        : {
            name: 'clock',
            status: beyondResolution > skewFailSeconds ? 'fail' : 'warn',
            detail: `the server's clock is ${describeDuration(skew)} ${direction} this machine; "first/last seen" and report times will be off: sync both with NTP`,
          },
    );
  }

  try {
    const ready = await timedFetch(`${base}/readyz`);
    checks.push(
      ready.res.ok
        ? { name: 'database (server)', status: 'ok', detail: 'the server reaches its database (/readyz)' }
        : { name: 'database (server)', status: 'fail', detail: `the server cannot reach its database (/readyz answered ${ready.res.status})` },
    );
  } catch (error) {
    checks.push({ name: 'database (server)', status: 'fail', detail: `/readyz did not answer (${reasonOf(error)})` });
  }

  if (!ctx.env.token) {
    checks.push({ name: 'admin token', status: 'fail', detail: 'none found: set LOG_CENTER_ADMIN_TOKEN (or run from the directory holding data/admin-token)' });
    return;
  }
  try {
    const { res } = await timedFetch(`${base}/api/v1/projects`, { headers: { authorization: `Bearer ${ctx.env.token.value}` } });
    if (res.ok) checks.push({ name: 'admin token', status: 'ok', detail: `accepted (from ${ctx.env.token.origin})` });
    else if (res.status === 401) checks.push({ name: 'admin token', status: 'fail', detail: `the server refused the token from ${ctx.env.token.origin}; it is not this server's admin token` });
    else checks.push({ name: 'admin token', status: 'fail', detail: `GET /api/v1/projects answered ${res.status}` });
  } catch (error) {
    checks.push({ name: 'admin token', status: 'fail', detail: `GET /api/v1/projects failed (${reasonOf(error)})` });
  }
}

async function databaseChecks(config: Config, checks: Check[]): Promise<void> {
  if (!config.databaseUrl) {
    const detail = `embedded PGlite in ${path.resolve(config.dataDir)}: only the server process opens it, so it is checked through the server`;
    checks.push({ name: 'database (direct)', status: 'skip', detail });
    checks.push({ name: 'migrations', status: 'skip', detail: 'the server applies them to PGlite at start' });
    return;
  }
  const where = new URL(config.databaseUrl);
  const label = `${where.hostname}:${where.port || 5432}${where.pathname}`;
  const sql = postgres(config.databaseUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    try {
      await sql`select 1`;
      checks.push({ name: 'database (direct)', status: 'ok', detail: `PostgreSQL at ${label} answers` });
    } catch (error) {
      checks.push({ name: 'database (direct)', status: 'fail', detail: `cannot use PostgreSQL at ${label}: ${reasonOf(error)}` });
      checks.push({ name: 'migrations', status: 'skip', detail: 'the database is unreachable' });
      return;
    }
    // Loaded here, not at start: the database client pulls in drizzle and PGlite, which every other command can do without.
    const { migrationsFolder } = await import('../../db/client.ts');
    const journal = journalSchema.parse(JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')));
    let applied: Set<number>;
    try {
      const rows = await sql<{ created_at: string }[]>`select created_at from drizzle.__drizzle_migrations`;
      applied = new Set(rows.map((row) => Number(row.created_at)));
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error;
      applied = new Set();
    }
    const pending = journal.entries.filter((entry) => !applied.has(entry.when));
    const known = new Set(journal.entries.map((entry) => entry.when));
    const unknown = [...applied].filter((when) => !known.has(when));
    if (pending.length > 0) {
      checks.push({
        name: 'migrations',
        status: 'fail',
        detail: `${pending.length} of ${journal.entries.length} not applied (${pending.map((e) => e.tag).join(', ')}); start or restart the server: it applies them at start`,
      });
    } else if (unknown.length > 0) {
      checks.push({ name: 'migrations', status: 'warn', detail: `the database has ${unknown.length} migration(s) this code does not know: is a newer server running against it?` });
    } else {
      checks.push({ name: 'migrations', status: 'ok', detail: `all ${journal.entries.length} applied` });
    }
  } catch (error) {
    checks.push({ name: 'migrations', status: 'fail', detail: `could not read the migrations table: ${reasonOf(error)}` });
  } finally {
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}

export const doctorCommand: Command = {
  name: 'doctor',
  usage: 'log-center doctor [--json]',
  summary: 'check configuration, server, database, migrations, clock skew and the admin token',
  async run(ctx) {
    const checks: Check[] = [];
    let config: Config | undefined;
    try {
      config = loadConfig(ctx.env.raw);
      checks.push({
        name: 'configuration',
        status: 'ok',
        detail: `valid; database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`}`,
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      checks.push({ name: 'configuration', status: 'fail', detail: error.message.replace(/^Invalid configuration:\n/, '').split('\n').map((l) => l.trim()).join('; ') });
    }

    await serverChecks(ctx, checks);
    if (config) await databaseChecks(config, checks);
    else checks.push({ name: 'database (direct)', status: 'skip', detail: 'the configuration is invalid' });

    const problems = checks.filter((check) => check.status === 'fail').length;
    if (ctx.json) ctx.print(json({ ok: problems === 0, checks }));
    else {
      const width = Math.max(...checks.map((check) => check.name.length));
      ctx.print(checks.map((check) => `${marks[check.status]} ${check.name.padEnd(width)}  ${check.detail}`).join('\n'));
      ctx.print(problems === 0 ? '\nNo problems found.' : `\n${problems} problem${problems === 1 ? '' : 's'} found.`);
    }
    return problems === 0 ? 0 : 1;
  },
};
