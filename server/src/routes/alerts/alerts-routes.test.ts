import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../schemas/error.ts';
import { createHarness, type Harness } from '../../../test/harness.ts';
import { alertDeliveryListSchema, alertRuleListSchema, alertRuleSchema, createdAlertRuleSchema } from './schema.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const webhook = { name: 'pager', on: 'new_bug', url: 'https://hooks.example.com/log-center' };

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = errorBodySchema.parse(await res.json());
  expect(body.error.code).toBe(code);
  return body.error;
}

describe('alert rules API', () => {
  it('creates a webhook rule with defaults and shows its generated secret once', async () => {
    const res = await h.admin('POST', '/api/v1/alerts', { ...webhook, min_level: 'warn', source: 'CICD' });
    expect(res.status).toBe(201);
    const rule = createdAlertRuleSchema.parse(await res.json());
    expect(rule).toMatchObject({
      name: 'pager',
      on: 'new_bug',
      channel: 'webhook',
      throttle_minutes: 60,
      enabled: true,
      project_id: null,
      source: 'cicd',
      min_level: 'WARNING',
      spike_threshold: null,
      has_secret: true,
    });
    expect(rule.secret).toMatch(/^[0-9a-f]{48}$/);
    const secret = String(rule.secret);

    const read = await h.admin('GET', `/api/v1/alerts/${rule.id}`);
    const body = await read.json();
    expect(JSON.stringify(body)).not.toContain(secret);
    expect(alertRuleSchema.parse(body).has_secret).toBe(true);
    const list = alertRuleListSchema.parse(await (await h.admin('GET', '/api/v1/alerts')).json());
    expect(list.items.map((item) => item.id)).toContain(rule.id);
    expect(JSON.stringify(list)).not.toContain(secret);
  });

  it('requires spike settings exactly for spike rules', async () => {
    const missing = await expectError(await h.admin('POST', '/api/v1/alerts', { ...webhook, on: 'spike' }), 400, 'validation_error');
    expect(missing.issues?.map((issue) => issue.path).sort()).toEqual(['spike_threshold', 'spike_window_minutes']);
    const extra = await expectError(
      await h.admin('POST', '/api/v1/alerts', { ...webhook, spike_threshold: 10 }),
      400,
      'validation_error',
    );
    expect(extra.issues?.map((issue) => issue.path)).toEqual(['spike_threshold']);
    const spike = await h.admin('POST', '/api/v1/alerts', { ...webhook, on: 'spike', spike_threshold: 100, spike_window_minutes: 5 });
    expect(spike.status).toBe(201);
  });

  it('rejects bad rules with the error envelope, never a 500', async () => {
    const bad: unknown[] = [
      { ...webhook, url: 'ftp://example.com/x' },
      { ...webhook, url: 'not a url' },
      { ...webhook, on: 'sometimes' },
      { ...webhook, channel: 'email' },
      { ...webhook, project_id: 'Not A Slug' },
      { ...webhook, min_level: 'LOUD' },
      { ...webhook, throttle_minutes: 0 },
      { ...webhook, secret: 'short' },
      { ...webhook, name: '' },
      { on: 'new_bug' },
      [],
      'rule',
    ];
    for (const body of bad) {
      const error = await expectError(await h.admin('POST', '/api/v1/alerts', body), 400, 'validation_error');
      expect(error.issues?.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
    const notJson = await h.app.request('/api/v1/alerts', {
      method: 'POST',
      headers: { ...h.adminHeaders, 'content-type': 'application/json' },
      body: '{',
    });
    await expectError(notJson, 400, 'invalid_json');
    await expectError(await h.admin('GET', '/api/v1/alerts/abc'), 400, 'validation_error');
    await expectError(await h.admin('GET', '/api/v1/alerts/999999'), 404, 'not_found');
    await expectError(await h.admin('PATCH', '/api/v1/alerts/999999', { enabled: false }), 404, 'not_found');
    await expectError(await h.admin('DELETE', '/api/v1/alerts/999999'), 404, 'not_found');
    await expectError(await h.admin('GET', '/api/v1/alerts/deliveries?status=lost'), 400, 'validation_error');
    await expectError(await h.admin('GET', '/api/v1/alerts/deliveries?cursor=x'), 400, 'validation_error');
  });

  it('updates a rule, validating the merged result, and deletes it', async () => {
    const created = createdAlertRuleSchema.parse(
      await (await h.admin('POST', '/api/v1/alerts', { ...webhook, on: 'spike', spike_threshold: 50, spike_window_minutes: 10 })).json(),
    );
    const disabled = await h.admin('PATCH', `/api/v1/alerts/${created.id}`, { enabled: false, project_id: 'shop' });
    expect(disabled.status).toBe(200);
    expect(alertRuleSchema.parse(await disabled.json())).toMatchObject({ enabled: false, project_id: 'shop', spike_threshold: 50 });

    // Switching to another trigger drops the spike settings.
    const switched = alertRuleSchema.parse(
      await (await h.admin('PATCH', `/api/v1/alerts/${created.id}`, { on: 'regression' })).json(),
    );
    expect(switched).toMatchObject({ on: 'regression', spike_threshold: null, spike_window_minutes: null, has_secret: true });
    // Back to spike without its settings is incomplete.
    await expectError(await h.admin('PATCH', `/api/v1/alerts/${created.id}`, { on: 'spike' }), 400, 'validation_error');
    await expectError(await h.admin('PATCH', `/api/v1/alerts/${created.id}`, {}), 400, 'validation_error');
    // Clearing a filter with null.
    const cleared = alertRuleSchema.parse(await (await h.admin('PATCH', `/api/v1/alerts/${created.id}`, { project_id: null })).json());
    expect(cleared.project_id).toBeNull();

    const deleted = await h.admin('DELETE', `/api/v1/alerts/${created.id}`);
    expect(deleted.status).toBe(204);
    await expectError(await h.admin('GET', `/api/v1/alerts/${created.id}`), 404, 'not_found');
  });

  it('creates Slack rules without a signing secret', async () => {
    const res = await h.admin('POST', '/api/v1/alerts', {
      name: 'team channel',
      on: 'regression',
      channel: 'slack',
      url: 'https://hooks.slack.com/services/T000/B000/XXXX',
    });
    expect(res.status).toBe(201);
    expect(createdAlertRuleSchema.parse(await res.json())).toMatchObject({ channel: 'slack', secret: null, has_secret: false });
  });

  it('lists deliveries newest first with a cursor', async () => {
    const rule = createdAlertRuleSchema.parse(await (await h.admin('POST', '/api/v1/alerts', webhook)).json());
    for (let i = 0; i < 3; i++) expect((await h.admin('POST', `/api/v1/alerts/${rule.id}/test`)).status).toBe(202);
    const first = alertDeliveryListSchema.parse(await (await h.admin('GET', `/api/v1/alerts/deliveries?rule_id=${rule.id}&limit=2`)).json());
    expect(first.items).toHaveLength(2);
    expect(first.items[0].id).toBeGreaterThan(first.items[1].id);
    expect(first.items[0]).toMatchObject({ on: 'test', status: 'pending', attempts: 0, bug_id: null });
    expect(first.next_cursor).not.toBeNull();
    const second = alertDeliveryListSchema.parse(
      await (await h.admin('GET', `/api/v1/alerts/deliveries?rule_id=${rule.id}&limit=2&cursor=${first.next_cursor}`)).json(),
    );
    expect(second.items).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    expect(second.items[0].id).toBeLessThan(first.items[1].id);
  });
});

describe('alert rules API security', () => {
  it('answers 401 without the admin token, and to ingest keys', async () => {
    const { apiKey } = await h.createProject('shop');
    for (const [method, path] of [
      ['GET', '/api/v1/alerts'],
      ['POST', '/api/v1/alerts'],
      ['GET', '/api/v1/alerts/1'],
      ['PATCH', '/api/v1/alerts/1'],
      ['DELETE', '/api/v1/alerts/1'],
      ['POST', '/api/v1/alerts/1/test'],
      ['GET', '/api/v1/alerts/deliveries'],
    ]) {
      const anonymous = await h.app.request(path, { method });
      await expectError(anonymous, 401, 'unauthorized');
      const withKey = await h.app.request(path, { method, headers: { authorization: `Bearer ${apiKey}` } });
      await expectError(withKey, 401, 'unauthorized');
    }
  });
});
