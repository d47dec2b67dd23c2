import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertDispatcher } from '../alerts/dispatcher.ts';
import { envelopeOf, exceptionEvent } from '../ingest/sentry/test-support.ts';
import { createHarness, createTestClock, type Harness } from '../../test/harness.ts';
import { type Family, parsePrometheusText, sampleValue } from './prometheus-text.ts';

const clock = createTestClock('2026-02-01T12:00:00Z');
let h: Harness;
let apiKey: string;
let dsnId: number;

async function scrape(): Promise<Map<string, Family>> {
  const res = await h.app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

const reports = (source: string, outcome: string) => ({ name: 'log_center_reports_received_total', labels: { source, outcome } });

beforeAll(async () => {
  h = await createHarness({ clock });
  ({ apiKey, dsnId } = await h.createProject('shop'));
});
afterAll(() => h.close());

describe('GET /metrics', () => {
  it('answers Prometheus text with every documented family, without auth', async () => {
    const families = await scrape();
    const expected: Record<string, string> = {
      log_center_reports_received_total: 'counter',
      log_center_bugs_created_total: 'counter',
      log_center_bugs_regressed_total: 'counter',
      log_center_http_request_duration_seconds: 'histogram',
      log_center_alert_deliveries_total: 'counter',
      log_center_alerts_triggered_total: 'counter',
      log_center_retention_deleted_total: 'counter',
      log_center_ingest_batch_reports: 'histogram',
      log_center_ingest_batch_duration_seconds: 'histogram',
      log_center_ingest_pending_reports: 'gauge',
      log_center_db_up: 'gauge',
      log_center_db_connections: 'gauge',
      log_center_db_pool_max: 'gauge',
      log_center_process_resident_memory_bytes: 'gauge',
      log_center_nodejs_eventloop_lag_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(families.get(name)?.type, name).toBe(type);
    expect(sampleValue(families, 'log_center_db_up')).toBe(1);
    expect(sampleValue(families, 'log_center_db_connections', { state: 'active' })).toBeGreaterThanOrEqual(1);
  });

  it('counts reports by source and outcome, new bugs and request latency as traffic flows', async () => {
    const before = await scrape();
    const delta = (after: Map<string, Family>, metric: { name: string; labels: Record<string, string> }) =>
      sampleValue(after, metric.name, metric.labels) - sampleValue(before, metric.name, metric.labels);
    const report = { project_id: 'shop', error_type: 'TypeError', message: 'boom', file_path: 'a.ts', line_number: 1 };

    expect((await h.report(apiKey, report)).status).toBe(201);
    expect((await h.report(apiKey, report)).status).toBe(200);
    expect((await h.report(apiKey, { project_id: 'shop', message: 'no error_type' })).status).toBe(400);
    expect((await h.report('0'.repeat(32), report)).status).toBe(401);
    const batch = await h.reportBatch(apiKey, {
      reports: [
        { ...report, source: 'cicd', error_type: 'NpmBuildError', context: { job_name: 'build', step_name: 'npm' } },
        { ...report, source: 'deployment', error_type: 'OOMKilled', context: { namespace: 'prod', deployment_name: 'api' } },
        { ...report, source: 'deployment', error_type: 'OOMKilled', context: { namespace: 'prod', deployment_name: 'api' } },
        { source: 'cicd', message: 'missing error_type' },
      ],
    });
    expect(batch.status).toBe(200);

    // Counting happens after the response is sent, so give it a moment.
    await expect
      .poll(async () => delta(await scrape(), reports('deployment', 'deduplicated')), { timeout: 5000 })
      .toBe(1);
    const after = await scrape();
    expect(delta(after, reports('runtime', 'new'))).toBe(1);
    expect(delta(after, reports('runtime', 'deduplicated'))).toBe(1);
    expect(delta(after, reports('runtime', 'rejected'))).toBe(2);
    expect(delta(after, reports('cicd', 'new'))).toBe(1);
    expect(delta(after, reports('cicd', 'rejected'))).toBe(1);
    expect(delta(after, reports('deployment', 'new'))).toBe(1);
    expect(delta(after, { name: 'log_center_bugs_created_total', labels: {} })).toBe(3);

    // Five stored reports (two alone, three in the batch), however the writer grouped them.
    expect(delta(after, { name: 'log_center_ingest_batch_reports_sum', labels: {} })).toBe(5);
    expect(delta(after, { name: 'log_center_ingest_batch_duration_seconds_count', labels: {} })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'log_center_ingest_pending_reports')).toBe(0);

    const latency = { method: 'POST', route: '/api/v1/logs/report', status: '201' };
    expect(delta(after, { name: 'log_center_http_request_duration_seconds_count', labels: latency })).toBe(1);
    expect(delta(after, { name: 'log_center_http_request_duration_seconds_bucket', labels: { ...latency, le: '+Inf' } })).toBe(1);
    expect(delta(after, { name: 'log_center_http_request_duration_seconds_sum', labels: latency })).toBeGreaterThan(0);
    expect(
      delta(after, {
        name: 'log_center_http_request_duration_seconds_count',
        labels: { method: 'POST', route: '/api/v1/logs/report/batch', status: '200' },
      }),
    ).toBe(1);
  });

  it('counts Sentry envelopes as runtime reports', async () => {
    const before = await scrape();
    const accepted = await h.app.request(`/api/${dsnId}/envelope/?sentry_key=${apiKey}`, {
      method: 'POST',
      body: envelopeOf([exceptionEvent()]),
    });
    expect(accepted.status).toBe(200);
    const refused = await h.app.request(`/api/${dsnId}/envelope/?sentry_key=${'f'.repeat(32)}`, {
      method: 'POST',
      body: envelopeOf([exceptionEvent()]),
    });
    expect(refused.status).toBe(401);
    const after = await scrape();
    const delta = (outcome: string) =>
      sampleValue(after, 'log_center_reports_received_total', { source: 'runtime', outcome }) -
      sampleValue(before, 'log_center_reports_received_total', { source: 'runtime', outcome });
    expect(delta('new')).toBe(1);
    expect(delta('rejected')).toBe(1);
  });

  it('labels requests by route pattern, never by raw path', async () => {
    await h.admin('GET', '/api/v1/bugs/123456');
    await h.admin('GET', '/api/v1/no-such-thing/987654');
    const families = await scrape();
    const routes = (families.get('log_center_http_request_duration_seconds')?.samples ?? []).map((s) => s.labels.route);
    expect(routes).toContain('/api/v1/bugs/:id');
    expect(routes).toContain('unmatched');
    expect(routes.some((route) => /123456|987654/.test(route))).toBe(false);
  });

  it('counts regressions and alert deliveries by outcome', async () => {
    const statuses = [500, 200];
    const dispatcher = createAlertDispatcher({
      db: h.db,
      events: h.events,
      clock: clock.now,
      metrics: h.deps.metrics,
      baseBackoffMs: 1000,
      fetch: async () => new Response('', { status: statuses.shift() ?? 200 }),
      log: () => {},
      rulesTtlMs: 0,
    });
    dispatcher.start();
    try {
      const rule = await h.admin('POST', '/api/v1/alerts', { name: 'm', on: 'regression', url: 'http://127.0.0.1:1/hook' });
      expect(rule.status).toBe(201);
      const before = await scrape();
      const report = { project_id: 'shop', error_type: 'RegressedError', message: 'again' };
      const bugId = ((await (await h.report(apiKey, report)).json()) as { bug_id: number }).bug_id;
      await h.admin('PATCH', `/api/v1/bugs/${bugId}`, { status: 'resolved' });
      await h.report(apiKey, report);
      await dispatcher.idle();
      clock.advance(1000);
      await dispatcher.deliverDue();

      const after = await scrape();
      const delta = (name: string, labels: Record<string, string> = {}) =>
        sampleValue(after, name, labels) - sampleValue(before, name, labels);
      expect(delta('log_center_bugs_regressed_total')).toBe(1);
      expect(delta('log_center_alerts_triggered_total', { on: 'regression', result: 'queued' })).toBe(1);
      expect(delta('log_center_alert_deliveries_total', { channel: 'webhook', outcome: 'retrying' })).toBe(1);
      expect(delta('log_center_alert_deliveries_total', { channel: 'webhook', outcome: 'delivered' })).toBe(1);
    } finally {
      await dispatcher.stop();
    }
  });
});

describe('parsePrometheusText', () => {
  it('rejects text that is not valid exposition format', () => {
    expect(() => parsePrometheusText('orphan_total 1\n')).toThrow(/no # TYPE/);
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1" 2\n')).toThrow(/not a sample|bad labels/);
    expect(() => parsePrometheusText('# TYPE x counter\nx one\n')).toThrow(/bad value/);
    expect(() =>
      parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'),
    ).toThrow(/cumulative/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_count 3\n')).toThrow(
      /_count/,
    );
    const ok = parsePrometheusText('# HELP x_total Things.\n# TYPE x_total counter\nx_total{a="q\\"uote"} 2\n');
    expect(ok.get('x_total')?.samples).toEqual([{ name: 'x_total', labels: { a: 'q"uote' }, value: 2 }]);
  });
});
