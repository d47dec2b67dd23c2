import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { resolveAdminToken } from './auth/admin-token.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { createAlertDispatcher } from './alerts/dispatcher.ts';
import { startJobs } from './jobs/scheduler.ts';
import { createAnalysisWorker } from './analysis/worker.ts';
import { createSearchRefresher } from './search/refresher.ts';

async function main() {
  const config = loadConfig();
  const database = await openDatabase(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl, poolSize: config.dbPoolSize }
      : { kind: 'pglite', dataDir: config.dataDir },
  );
  await database.migrate();
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  const { app, deps, writeReports } = createApp({ db: database.db, config, adminToken: admin.token });
  const alerts = createAlertDispatcher({ ...deps, publicUrl: config.publicUrl });
  alerts.start();
  const analysis = config.llm
    ? createAnalysisWorker({ ...deps, llm: config.llm, scrubPatterns: config.scrubPatterns })
    : undefined;
  analysis?.start();
  const search = createSearchRefresher(deps);
  search.start();
  const jobs = startJobs(deps);

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const where = database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL';
    console.log(`Log Center listening on http://${host}:${info.port} (${where})`);
    if (config.llm) console.log(`Bug analysis: ${config.llm.model} at ${new URL(config.llm.url).origin}`);
    if (admin.origin === 'environment') console.log('Admin token: from LOG_CENTER_ADMIN_TOKEN');
    else console.log(`Admin token: ${admin.token}${admin.origin === 'generated' ? ' (new; saved in the data dir)' : ''}`);
  });

  const shutdown = (signal: string) => {
    console.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // Stop accepting, let in-flight requests finish, commit what was acknowledged, then close.
    server.close(async () => {
      await writeReports.drain();
      await Promise.all([alerts.stop(), jobs.stop(), search.stop(), analysis?.stop()]);
      await database.close().catch(() => {});
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

// A background task (alert delivery, a job) that loses its database connection must not take
// ingest down with it: log it, keep serving, let /readyz tell the orchestrator.
process.on('unhandledRejection', (reason) => {
  console.error('unhandled rejection', reason);
});

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
