import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertDispatcher, createAlertDispatcher } from '../../server/src/alerts/dispatcher.ts';
import { startWebhookReceiver } from '../../server/src/alerts/webhook-receiver.ts';
import { alertDeliveryListSchema, alertRuleListSchema } from '../../server/src/routes/alerts/schema.ts';
import { reportResultSchema } from '../../server/src/schemas/report.ts';
import { adminToken, startTestServer } from '../../server/test/harness.ts';
import { ensureWebBuild } from '../scripts/ensure-build.ts';
import { artifactsDir, launchChromium } from './browser.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let dispatcher: AlertDispatcher;
let browser: Browser;
let page: Page;
let apiKey: string;
const pageErrors: string[] = [];
const confirms: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(artifactsDir(), `${name}.png`), fullPage: true });

async function rulesInDb() {
  const res = await server.admin('GET', '/api/v1/alerts');
  return alertRuleListSchema.parse(await res.json()).items;
}

beforeAll(async () => {
  await ensureWebBuild({ quiet: true });
  server = await startTestServer();
  receiver = await startWebhookReceiver();
  apiKey = (await server.createProject('shop')).apiKey;
  dispatcher = createAlertDispatcher({
    db: server.db,
    events: server.events,
    metrics: server.deps.metrics,
    publicUrl: server.url,
    log: () => {},
    rulesTtlMs: 0,
    pollMs: 200,
  });
  dispatcher.start();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    confirms.push(dialog.message());
    void dialog.accept();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dispatcher?.stop();
  await receiver?.close();
  await server?.close();
});

describe('alerts settings page', () => {
  it('shows the empty states after signing in', async () => {
    await page.goto(`${server.url}/alerts`);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Alerts', exact: true }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).getAttribute('aria-current')).toBe('page');
    await page.getByText('No alert rules yet').waitFor();
    await page.getByText('No deliveries yet').waitFor();
  });

  it('shows the API validation message next to the field', async () => {
    const form = page.getByRole('form', { name: 'Create alert rule' });
    await form.getByLabel('Name').fill('Broken');
    await form.getByLabel('Webhook URL').fill('ftp://example.com/hook');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await form.getByRole('alert').waitFor();
    expect(await form.locator('#alert-url-error').textContent()).toContain('http');
    expect(await form.getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');
    expect(await rulesInDb()).toHaveLength(0);
  });

  it('creates a webhook rule for new bugs and shows its secret once', async () => {
    const form = page.getByRole('form', { name: 'Create alert rule' });
    await form.getByLabel('Name').fill('Shop new bugs');
    await form.locator('select[name="on"]').selectOption('new_bug');
    await form.locator('select[name="project"]').selectOption('shop');
    await form.locator('select[name="min-level"]').selectOption('ERROR');
    await form.getByLabel('Webhook URL').fill(`${receiver.url}/hook`);
    await form.getByRole('button', { name: 'Create rule' }).click();

    const secretCard = page.getByRole('region', { name: /Rule “Shop new bugs” created/ });
    await secretCard.waitFor();
    const secret = (await secretCard.locator('.secret-value code').textContent()) ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await secretCard.getByRole('button', { name: 'Copy' }).waitFor();
    await shot('alerts-secret');

    const row = page.locator('.rule-table tbody tr', { hasText: 'Shop new bugs' });
    await row.waitFor();
    expect(await row.textContent()).toContain('New bug');
    expect(await row.textContent()).toContain('shop · Error+');
    const [rule] = await rulesInDb();
    expect(rule).toMatchObject({ name: 'Shop new bugs', on: 'new_bug', project_id: 'shop', min_level: 'ERROR', url: `${receiver.url}/hook`, has_secret: true, enabled: true });

    await secretCard.getByRole('button', { name: 'Done' }).click();
    await secretCard.waitFor({ state: 'detached' });
    await page.reload();
    await row.waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
  });

  it('shows the delivery of a new bug as delivered, with a link to the bug', async () => {
    const res = await server.report(apiKey, { project_id: 'shop', error_type: 'TypeError', message: 'total is undefined', file_path: 'src/cart.ts', line_number: 7 });
    expect(res.status).toBe(201);
    const { bug_id } = reportResultSchema.parse(await res.json());

    const row = page.locator('.delivery-table tbody tr[data-status="delivered"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').nth(2).textContent()).toBe('Shop new bugs');
    expect(await row.getByRole('link', { name: `#${bug_id}` }).getAttribute('href')).toBe(`/bugs/${bug_id}`);
    expect(receiver.received.filter((r) => r.path === '/hook')).toHaveLength(1);
    await shot('alerts');

    await page.setViewportSize({ width: 375, height: 800 });
    await shot('alerts-375');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('sends a test delivery from the rule row', async () => {
    const row = page.locator('.rule-table tbody tr', { hasText: 'Shop new bugs' });
    await row.getByRole('button', { name: 'Send test' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.delivery-table tbody tr[data-status="delivered"]').length === 2, null, { timeout: 15_000 });
    const res = await server.admin('GET', '/api/v1/alerts/deliveries');
    const deliveries = alertDeliveryListSchema.parse(await res.json()).items;
    expect(deliveries.map((d) => [d.on, d.status])).toEqual([
      ['test', 'delivered'],
      ['new_bug', 'delivered'],
    ]);
  });

  it('disables and deletes the rule', async () => {
    const row = page.locator('.rule-table tbody tr', { hasText: 'Shop new bugs' });
    const toggle = row.getByRole('switch', { name: 'Enabled: Shop new bugs' });
    expect(await toggle.isChecked()).toBe(true);
    await toggle.click();
    await row.and(page.locator('.rule-disabled')).waitFor();
    expect(await toggle.isChecked()).toBe(false);
    expect((await rulesInDb())[0].enabled).toBe(false);

    await row.getByRole('button', { name: 'Delete Shop new bugs' }).click();
    await page.getByText('No alert rules yet').waitFor();
    expect(confirms).toEqual(['Delete alert rule "Shop new bugs"? Its delivery history goes with it.']);
    expect(await rulesInDb()).toHaveLength(0);
    expect(pageErrors).toEqual([]);
  });
});
