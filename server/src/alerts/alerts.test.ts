import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alertDeliveries, alertRules, alertThrottles } from '../db/schema.ts';
import { alertDeliveryListSchema, createdAlertRuleSchema } from '../routes/alerts/schema.ts';
import { createHarness, createTestClock, type Harness } from '../../test/harness.ts';
import { backoffMs } from '../http/outbound.ts';
import { type AlertDispatcher, createAlertDispatcher } from './dispatcher.ts';
import type { AlertPayload } from './payload.ts';
import { type ReceivedWebhook, startWebhookReceiver } from './webhook-receiver.ts';

const clock = createTestClock('2026-03-02T10:00:00Z');
const secret = 'receiver-shared-secret-0123';
let h: Harness;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let apiKey: string;
const dispatchers: AlertDispatcher[] = [];

function dispatcher(options: Partial<Parameters<typeof createAlertDispatcher>[0]> = {}) {
  const d = createAlertDispatcher({
    db: h.db,
    events: h.events,
    clock: clock.now,
    metrics: h.deps.metrics,
    publicUrl: 'https://errors.example.com',
    log: () => {},
    rulesTtlMs: 0,
    ...options,
  });
  d.start();
  dispatchers.push(d);
  return d;
}

async function createRule(body: Record<string, unknown>) {
  const res = await h.admin('POST', '/api/v1/alerts', body);
  expect(res.status, await res.clone().text()).toBe(201);
  return createdAlertRuleSchema.parse(await res.json());
}

function verified(delivery: ReceivedWebhook): AlertPayload {
  const expected = `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
  expect(delivery.headers['x-log-center-signature']).toBe(expected);
  return JSON.parse(delivery.body) as AlertPayload;
}

const report = (overrides: Record<string, unknown> = {}) => ({
  project_id: 'shop',
  error_type: 'TypeError',
  message: 'Cannot read properties of undefined (reading "total")',
  file_path: 'src/cart.ts',
  line_number: 42,
  ...overrides,
});

async function deliveriesFor(path: string) {
  const res = await h.admin('GET', `/api/v1/alerts/deliveries${path}`);
  expect(res.status).toBe(200);
  return alertDeliveryListSchema.parse(await res.json()).items;
}

beforeAll(async () => {
  h = await createHarness({ clock });
  receiver = await startWebhookReceiver();
  apiKey = (await h.createProject('shop')).apiKey;
  await h.createProject('other');
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  // Each test starts without rules; deliveries and throttles go with them.
  await h.db.delete(alertRules);
});
afterAll(async () => {
  await receiver.close();
  await h.close();
});

describe('alert dispatcher', () => {
  it('sends signed deliveries for a new bug, a regression and a spike, none for a throttled repeat, even after a restart', async () => {
    const d = dispatcher();
    const rules = {
      newBug: await createRule({ name: 'new in shop', on: 'new_bug', project_id: 'shop', url: `${receiver.url}/new`, secret }),
      regression: await createRule({ name: 'regressions', on: 'regression', url: `${receiver.url}/regression`, secret }),
      spike: await createRule({
        name: 'spike',
        on: 'spike',
        spike_threshold: 5,
        spike_window_minutes: 10,
        throttle_minutes: 60,
        url: `${receiver.url}/spike`,
        secret,
      }),
    };
    expect(rules.newBug.secret).toBe(secret);

    const first = await h.report(apiKey, report());
    expect(first.status).toBe(201);
    const bugId = ((await first.json()) as { bug_id: number }).bug_id;
    await d.idle();
    expect(receiver.received.map((r) => r.path)).toEqual(['/new']);
    const created = verified(receiver.received[0]);
    expect(created).toMatchObject({
      on: 'new_bug',
      rule: { id: rules.newBug.id, name: 'new in shop' },
      bug: { id: bugId, project_id: 'shop', error_type: 'TypeError', occurrence_count: 1, url: `https://errors.example.com/bugs/${bugId}` },
    });
    expect(receiver.received[0].headers['x-log-center-event']).toBe('new_bug');

    // Resolved, then seen again: a regression.
    clock.advance(60_000);
    expect((await h.admin('PATCH', `/api/v1/bugs/${bugId}`, { status: 'resolved' })).status).toBe(200);
    expect((await h.report(apiKey, report())).status).toBe(200);
    await d.idle();
    expect(receiver.received.map((r) => r.path)).toEqual(['/new', '/regression']);
    expect(verified(receiver.received[1])).toMatchObject({ on: 'regression', bug: { id: bugId, regressed: true, status: 'new' } });

    // Two occurrences so far; three more within ten minutes make five: a spike.
    clock.advance(60_000);
    await h.reportBatch(apiKey, [report(), report(), report()]);
    await d.idle();
    expect(receiver.received.map((r) => r.path)).toEqual(['/new', '/regression', '/spike']);
    expect(verified(receiver.received[2])).toMatchObject({ on: 'spike', spike: { count: 5, window_minutes: 10 } });

    // The same again within the throttle windows: nothing new is sent.
    clock.advance(60_000);
    await h.reportBatch(apiKey, [report(), report(), report(), report(), report()]);
    expect((await h.admin('PATCH', `/api/v1/bugs/${bugId}`, { status: 'resolved' })).status).toBe(200);
    expect((await h.report(apiKey, report())).status).toBe(200);
    await d.idle();
    expect(receiver.received).toHaveLength(3);

    const throttles = await h.db.select().from(alertThrottles).where(eq(alertThrottles.bugId, bugId));
    expect(throttles.map((t) => t.ruleId).sort()).toEqual([rules.newBug.id, rules.regression.id, rules.spike.id].sort());

    const log = await deliveriesFor(`?bug_id=${bugId}`);
    expect(log.map((entry) => [entry.on, entry.status, entry.attempts])).toEqual([
      ['spike', 'delivered', 1],
      ['regression', 'delivered', 1],
      ['new_bug', 'delivered', 1],
    ]);
    expect(log[0].response_status).toBe(200);

    // A restarted dispatcher has no memory of its own: the throttle lives in the database.
    const before = receiver.received.length;
    const restarted = dispatcher();
    await d.stop();
    await h.reportBatch(apiKey, Array.from({ length: 5 }, () => report()));
    await restarted.idle();
    expect(receiver.received.length).toBe(before);

    clock.advance(61 * 60_000);
    await h.reportBatch(apiKey, Array.from({ length: 5 }, () => report()));
    await restarted.idle();
    expect(receiver.received.map((r) => r.path).slice(before)).toEqual(['/spike']);
    expect(verified(receiver.received[before]).bug?.id).toBe(bugId);
  });

  it('retries with backoff after the receiver answers 500, then records the delivery', async () => {
    const rule = await createRule({ name: 'retry', on: 'new_bug', project_id: 'other', url: `${receiver.url}/retry`, secret });
    const d = dispatcher({ baseBackoffMs: 30_000 });
    const key = (await (await h.admin('POST', '/api/v1/projects/other/keys', {})).json()).api_key as string;
    receiver.respondWith(500, 503);
    const before = receiver.received.length;

    await h.report(key, report({ project_id: 'other', error_type: 'RetryError' }));
    await d.idle();
    let [delivery] = await deliveriesFor(`?rule_id=${rule.id}`);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, response_status: 500 });
    expect(delivery.last_error).toMatch(/^HTTP 500: receiver is down/);
    expect(delivery.next_attempt_at).toBe(new Date(clock.now().getTime() + 30_000).toISOString());

    // Not due yet: nothing is sent.
    clock.advance(29_000);
    await d.deliverDue();
    expect(receiver.received.length).toBe(before + 1);

    clock.advance(1_000);
    await d.deliverDue();
    [delivery] = await deliveriesFor(`?rule_id=${rule.id}`);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2, response_status: 503 });
    expect(delivery.next_attempt_at).toBe(new Date(clock.now().getTime() + 60_000).toISOString());

    clock.advance(60_000);
    await d.deliverDue();
    [delivery] = await deliveriesFor(`?rule_id=${rule.id}`);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, response_status: 200, last_error: null });

    const attempts = receiver.received.slice(before);
    expect(attempts.map((r) => r.path)).toEqual(['/retry', '/retry', '/retry']);
    // Every attempt is the same signed body, so the receiver can dedupe on the delivery id.
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    expect(attempts.map((r) => r.headers['x-log-center-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((r) => r.headers['x-log-center-delivery']))).toEqual(new Set([String(delivery.id)]));
    verified(attempts[2]);
  });

  it('gives up after the last attempt and on a 4xx that retrying cannot fix', async () => {
    const d = dispatcher({ maxAttempts: 2, baseBackoffMs: 1000 });
    const gone = await createRule({ name: 'gone', on: 'new_bug', project_id: 'other', url: `${receiver.url}/gone`, secret });
    const closed = await startWebhookReceiver();
    await closed.close();
    const down = await createRule({ name: 'down', on: 'new_bug', project_id: 'other', url: `${closed.url}/closed`, secret });
    const key = (await (await h.admin('POST', '/api/v1/projects/other/keys', {})).json()).api_key as string;
    receiver.respondWith(404);
    await h.report(key, report({ project_id: 'other', error_type: 'GiveUpError' }));
    await d.idle();
    clock.advance(1000);
    await d.deliverDue();

    const [toGone] = await deliveriesFor(`?rule_id=${gone.id}`);
    expect(toGone).toMatchObject({ status: 'failed', attempts: 1, response_status: 404, next_attempt_at: null });
    const [toDown] = await deliveriesFor(`?rule_id=${down.id}`);
    expect(toDown).toMatchObject({ status: 'failed', attempts: 2, response_status: null });
    expect(toDown.last_error).toMatch(/ECONNREFUSED.*gave up after 2 attempts/);
  });

  it('applies the project, source and minimum level filters, and stays quiet for ignored bugs', async () => {
    const d = dispatcher();
    await createRule({
      name: 'critical deployments',
      on: 'new_bug',
      source: 'deployment',
      min_level: 'error',
      project_id: 'shop',
      url: `${receiver.url}/filtered`,
      secret,
    });
    const before = receiver.received.length;
    const deployment = (type: string, level: string) =>
      report({ source: 'deployment', level, error_type: type, context: { namespace: 'prod', deployment_name: type } });
    await h.report(apiKey, deployment('Warned', 'WARNING'));
    await h.report(apiKey, report({ error_type: 'RuntimeOnly', level: 'CRITICAL' }));
    await h.report(apiKey, deployment('OOMKilled', 'CRITICAL'));
    await d.idle();
    const sent = receiver.received.slice(before);
    expect(sent.map((r) => verified(r).bug?.error_type)).toEqual(['OOMKilled']);

    // An ignored bug grows silently, even past a spike threshold.
    await createRule({
      name: 'spike shop',
      on: 'spike',
      project_id: 'shop',
      spike_threshold: 2,
      spike_window_minutes: 5,
      url: `${receiver.url}/ignored`,
      secret,
    });
    const res = await h.report(apiKey, report({ error_type: 'Noise' }));
    const bugId = ((await res.json()) as { bug_id: number }).bug_id;
    await h.admin('PATCH', `/api/v1/bugs/${bugId}`, { status: 'ignored' });
    await h.reportBatch(apiKey, [report({ error_type: 'Noise' }), report({ error_type: 'Noise' })]);
    await d.idle();
    expect(receiver.received.slice(before).map((r) => r.path)).toEqual(['/filtered']);
  });

  it('never delays an ingest response, even when the webhook hangs', async () => {
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const d = dispatcher({
      fetch: async () => {
        calls++;
        await hanging;
        return new Response('ok');
      },
    });
    const rule = await createRule({ name: 'slow', on: 'new_bug', project_id: 'shop', url: `${receiver.url}/slow`, secret });
    const started = performance.now();
    try {
      const res = await h.report(apiKey, report({ error_type: 'SlowReceiver' }));
      expect(res.status).toBe(201);
      expect(performance.now() - started).toBeLessThan(1000);
      await expect.poll(() => calls).toBe(1);
    } finally {
      release();
    }
    await d.idle();
    const [delivery] = await deliveriesFor(`?rule_id=${rule.id}`);
    expect(delivery.status).toBe('delivered');
  });

  it('sends a Slack-compatible body to slack channels', async () => {
    const d = dispatcher();
    const rule = await createRule({ name: 'to slack', on: 'new_bug', project_id: 'shop', channel: 'slack', url: `${receiver.url}/slack` });
    expect(rule.secret).toBeNull();
    const before = receiver.received.length;
    await h.report(apiKey, report({ error_type: 'SlackError', message: 'price <0> & tax' }));
    await d.idle();
    const [sent] = receiver.received.slice(before);
    expect(sent.path).toBe('/slack');
    expect(sent.headers['x-log-center-signature']).toBeUndefined();
    const body = JSON.parse(sent.body) as { text: string; blocks: { type: string; text: { type: string; text: string } }[] };
    expect(body.text).toBe('New bug in shop (runtime, ERROR): SlackError');
    expect(body.blocks[0].type).toBe('section');
    expect(body.blocks[0].text.type).toBe('mrkdwn');
    expect(body.blocks[0].text.text).toContain('*SlackError*: price &lt;0&gt; &amp; tax at `src/cart.ts:42`');
    expect(body.blocks[0].text.text).toContain('<https://errors.example.com/bugs/');
  });

  it('lets replicas share the queue: each delivery is sent once', async () => {
    const rule = await createRule({ name: 'shared', on: 'new_bug', project_id: 'shop', url: `${receiver.url}/shared`, secret });
    const replicas = [dispatcher(), dispatcher(), dispatcher()];
    const before = receiver.received.length;
    await h.reportBatch(
      apiKey,
      Array.from({ length: 6 }, (_, i) => report({ error_type: `SharedError${i}` })),
    );
    await Promise.all(replicas.map((d) => d.idle()));
    await Promise.all(replicas.map((d) => d.deliverDue()));
    const sent = receiver.received.slice(before);
    expect(sent).toHaveLength(6);
    expect(new Set(sent.map((r) => r.headers['x-log-center-delivery'])).size).toBe(6);
    const rows = await h.db.select().from(alertDeliveries).where(eq(alertDeliveries.ruleId, rule.id));
    expect(rows.map((row) => [row.status, row.attempts])).toEqual(Array.from({ length: 6 }, () => ['delivered', 1]));
  });

  it('sends a test delivery on request', async () => {
    const d = dispatcher();
    const rule = await createRule({ name: 'try me', on: 'regression', url: `${receiver.url}/test`, secret });
    const res = await h.admin('POST', `/api/v1/alerts/${rule.id}/test`);
    expect(res.status).toBe(202);
    await d.deliverDue();
    const [sent] = receiver.received.slice(-1);
    expect(sent.path).toBe('/test');
    expect(verified(sent)).toMatchObject({ on: 'test', rule: { id: rule.id }, bug: null });
  });
});

describe('backoff', () => {
  it('doubles from the base up to the cap, and honours a longer Retry-After', () => {
    expect([1, 2, 3, 4, 8, 12].map((n) => backoffMs(n, 30_000, 3_600_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 3_600_000, 3_600_000,
    ]);
    expect(backoffMs(1, 30_000, 3_600_000, 120_000)).toBe(120_000);
    expect(backoffMs(3, 30_000, 3_600_000, 1_000)).toBe(120_000);
  });
});
