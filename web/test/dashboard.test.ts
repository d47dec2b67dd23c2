import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugDetailSchema, bugListSchema } from '../../server/src/schemas/bug.ts';
import { reportResultSchema } from '../../server/src/schemas/report.ts';
import { adminToken, startTestServer } from '../../server/test/harness.ts';
import { ensureWebBuild } from '../scripts/ensure-build.ts';
import { artifactsDir, launchChromium } from './browser.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

const xssMessage = '<img src=x onerror=alert(1)>';

let server: Server;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let key: string;
const dialogs: string[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];
const ids: Record<'runtime' | 'cicd' | 'deployment' | 'xss', number> = { runtime: 0, cicd: 0, deployment: 0, xss: 0 };

async function report(body: Record<string, unknown>): Promise<number> {
  const res = await server.report(key, body);
  if (res.status >= 300) throw new Error(`report answered ${res.status}: ${await res.text()}`);
  return reportResultSchema.parse(await res.json()).bug_id;
}

async function seed() {
  await server.createProject('shop', 'Shop storefront');
  await server.createProject('billing', 'Billing API');
  key = await server.createGlobalKey();
  const runtime = {
    project_id: 'shop',
    error_type: 'TypeError',
    message: "Cannot read properties of undefined (reading 'total')",
    file_path: 'src/orders/checkout.ts',
    line_number: 42,
    environment: 'production',
    release: 'shop@2.4.1',
    stack_trace: "TypeError: Cannot read properties of undefined (reading 'total')\n    at computeTotal (src/orders/checkout.ts:42:17)\n    at handler (src/routes/checkout.ts:18:9)",
    tags: { region: 'eu-west-1' },
    context: { user_id: 'u_1842', route: 'POST /checkout' },
  };
  for (let i = 0; i < 5; i++) ids.runtime = await report(runtime);
  await report({ project_id: 'shop', level: 'warning', error_type: 'DeprecationWarning', message: 'Buffer() is deprecated; use Buffer.from()', environment: 'staging' });
  await report({ project_id: 'billing', error_type: 'TimeoutError', message: 'Request to ledger timed out after 3000 ms', file_path: 'src/ledger/client.ts', line_number: 88 });
  ids.cicd = await report({
    project_id: 'shop',
    source: 'cicd',
    error_type: 'NpmBuildError',
    message: 'npm run build failed with exit code 2',
    context: {
      workflow: 'CI',
      job_name: 'build',
      step_name: 'npm run build',
      run_id: '4711',
      run_number: 128,
      run_url: 'https://git.example.com/acme/shop/actions/runs/4711',
      commit_sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      branch: 'main',
      repository: 'acme/shop',
      actor: 'dana',
      log_tail: "src/cart.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.\nnpm ERR! code 2",
    },
  });
  for (let i = 0; i < 3; i++) {
    ids.deployment = await report({
      project_id: 'billing',
      source: 'deployment',
      level: 'CRITICAL',
      error_type: 'OOMKilled',
      message: 'Container api in pod billing-api-7d9f8c6b5-x2k4q was OOMKilled (exit code 137)',
      context: {
        namespace: 'prod',
        pod_name: 'billing-api-7d9f8c6b5-x2k4q',
        container_name: 'api',
        deployment_name: 'billing-api',
        restart_count: 7,
        reason: 'OOMKilled',
        exit_code: 137,
        node: 'node-3',
        logs: 'Starting billing-api v3.2.0\nFATAL: JavaScript heap out of memory',
      },
    });
  }
  ids.xss = await report({ project_id: 'shop', error_type: 'RenderError', message: xssMessage, file_path: 'src/views/profile.tsx', line_number: 7 });
}

const shot = (name: string, target: Page = page) => target.screenshot({ path: path.join(artifactsDir(), `${name}.png`), fullPage: true });

/** Rows of the bug list as the user sees them. */
async function listedRows(target: Page = page) {
  await target.locator('.bug-table tbody tr').first().waitFor();
  return target.$$eval('.bug-table tbody tr', (rows) =>
    rows.map((row) => ({
      id: Number(row.getAttribute('data-bug-id')),
      badge: row.querySelector('.cell-source .badge')?.textContent ?? '',
      badgeSource: row.querySelector('.cell-source .badge')?.getAttribute('data-source') ?? '',
      type: row.querySelector('.cell-type a')?.textContent ?? '',
      message: row.querySelector('.cell-message')?.textContent ?? '',
      file: row.querySelector('.cell-file')?.textContent ?? '',
    })),
  );
}

beforeAll(async () => {
  await ensureWebBuild({ quiet: true });
  server = await startTestServer();
  await seed();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    if (dialog.type() === 'confirm' && dialog.message().startsWith('Revoke key')) return void dialog.accept();
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // The sign-in test's wrong token answers 401 on purpose; anything else (a CSP violation, say) is a bug.
    if (message.type() === 'error' && !message.text().includes('401')) consoleErrors.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('dashboard in a real browser', () => {
  it('signs in with the admin token and keeps only a signed HttpOnly cookie', async () => {
    await page.goto(`${server.url}/bugs`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Admin token').fill('definitely-not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the admin token' }).waitFor();

    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Bugs', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/bugs');

    const [cookie] = await context.cookies(server.url);
    expect(cookie).toMatchObject({ name: 'lc_session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie.value).not.toContain(adminToken);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('shows counts by source, status and level on the dashboard', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const sourceCount = (source: string) => page.locator(`.source-list li[data-source="${source}"] .source-count`).textContent();
    await page.locator('.source-list').waitFor();
    expect(await sourceCount('runtime')).toBe('4');
    expect(await sourceCount('cicd')).toBe('1');
    expect(await sourceCount('deployment')).toBe('1');
    expect(await page.locator('.kpi', { hasText: 'Bugs' }).locator('.kpi-value').textContent()).toBe('6');
    expect(await page.locator('.top-list li').count()).toBe(6);
    await shot('dashboard');

    await page.getByRole('navigation', { name: 'Source' }).getByRole('link', { name: 'Deployment' }).click();
    await page.waitForURL(/source=deployment/);
    await page.locator('.kpi', { hasText: 'Bugs' }).locator('.kpi-value', { hasText: /^1$/ }).waitFor();
    expect(await page.locator('.top-list li').count()).toBe(1);
  });

  it('lists bugs of all three sources with the right badges and file column', async () => {
    await page.goto(`${server.url}/bugs`);
    const rows = await listedRows();
    expect(rows).toHaveLength(6);
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(ids.runtime)).toMatchObject({ badge: 'Runtime', badgeSource: 'runtime', type: 'TypeError', file: 'src/orders/checkout.ts:42' });
    expect(byId.get(ids.cicd)).toMatchObject({ badge: 'CI/CD', badgeSource: 'cicd', type: 'NpmBuildError', file: '-' });
    expect(byId.get(ids.deployment)).toMatchObject({ badge: 'Deployment', badgeSource: 'deployment', type: 'OOMKilled', file: '-' });
    const colours = await page.$$eval('.bug-table .badge-source', (badges) => new Set(badges.map((b) => getComputedStyle(b).color)).size);
    expect(colours).toBe(3);
    await shot('bug-list');
  });

  it('narrows the list and the URL with the source filter', async () => {
    const sourceRow = page.getByRole('navigation', { name: 'Source' });
    await sourceRow.getByRole('link', { name: 'CI/CD' }).click();
    await page.waitForURL(/[?&]source=cicd/);
    await page.locator(`.bug-table tbody tr[data-bug-id="${ids.cicd}"]`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.bug-table tbody tr').length === 1);
    expect((await listedRows()).map((row) => row.badgeSource)).toEqual(['cicd']);
    expect(await sourceRow.getByRole('link', { name: 'CI/CD' }).getAttribute('aria-current')).toBe('page');

    // The URL alone reproduces the view: a shared link.
    const shared = await context.newPage();
    await shared.goto(`${server.url}/bugs?source=deployment&project=billing`);
    expect((await listedRows(shared)).map((row) => row.id)).toEqual([ids.deployment]);
    await shared.close();
  });

  it('shows a CI/CD bug with its CI section and a disabled Trigger repair', async () => {
    await page.locator(`.bug-table tbody tr[data-bug-id="${ids.cicd}"] .cell-type a`).click();
    await page.waitForURL(new RegExp(`/bugs/${ids.cicd}$`));
    const section = page.locator('[data-section="cicd"]');
    await section.waitFor();
    for (const text of ['CI', 'build', 'npm run build', '#128', 'main', 'a1b2c3d4e5f6', 'acme/shop', 'dana', 'error TS2322']) {
      expect(await section.textContent()).toContain(text);
    }
    expect(await section.getByRole('link', { name: /Open run/ }).getAttribute('href')).toBe('https://git.example.com/acme/shop/actions/runs/4711');
    const repair = page.getByRole('button', { name: 'Trigger repair' });
    expect(await repair.isDisabled()).toBe(true);
    expect(await page.locator('#repair-hint').textContent()).toContain('only fixes runtime bugs');
    expect(await page.locator('.fact', { hasText: 'Location' }).count()).toBe(0);
    await shot('bug-detail-cicd');
  });

  it('shows a deployment bug with its pod, restarts and logs', async () => {
    await page.goto(`${server.url}/bugs/${ids.deployment}`);
    const section = page.locator('[data-section="deployment"]');
    await section.waitFor();
    const text = await section.textContent();
    for (const expected of ['billing-api-7d9f8c6b5-x2k4q', 'prod', 'api', 'OOMKilled', '137', 'heap out of memory']) expect(text).toContain(expected);
    expect(await section.locator('.fact', { hasText: 'Restarts' }).locator('dd').textContent()).toBe('7');
    expect(await page.getByRole('button', { name: 'Trigger repair' }).isDisabled()).toBe(true);
    await shot('bug-detail-deployment');
  });

  it('puts a runtime bug back to new with Trigger repair', async () => {
    expect((await server.admin('PATCH', `/api/v1/bugs/${ids.runtime}`, { status: 'resolved' })).status).toBe(200);
    await page.goto(`${server.url}/bugs/${ids.runtime}`);
    await page.locator('.bug-head [data-status="resolved"]').waitFor();
    expect(await page.locator('.fact', { hasText: 'Location' }).locator('dd').textContent()).toBe('src/orders/checkout.ts:42');
    expect(await page.locator('.log-block').first().textContent()).toContain('at computeTotal');
    const repair = page.getByRole('button', { name: 'Trigger repair' });
    expect(await repair.isDisabled()).toBe(false);
    await repair.click();
    await page.locator('.bug-head [data-status="new"]').waitFor();
    const detail = bugDetailSchema.parse(await (await server.admin('GET', `/api/v1/bugs/${ids.runtime}`)).json());
    expect(detail.bug.status).toBe('new');
    expect(await repair.isDisabled()).toBe(true);
    await shot('bug-detail-runtime');
  });

  it('shows a report sent while the page is open within 2 s, without reload', async () => {
    await page.goto(`${server.url}/bugs`);
    await page.locator('.live[data-live="live"]').waitFor();
    await listedRows();
    const marker = await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
      return 'same page';
    });
    const started = Date.now();
    const bugId = await report({ project_id: 'billing', error_type: 'LiveUpdateError', message: 'arrived while you watched', file_path: 'src/live.ts', line_number: 3 });
    await page.locator(`.bug-table tbody tr[data-bug-id="${bugId}"]`).waitFor({ timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(marker);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    const bugsKpi = page.locator('.kpi', { hasText: 'Bugs' }).locator('.kpi-value');
    await bugsKpi.filter({ hasText: /^7$/ }).waitFor();
    await report({ project_id: 'shop', source: 'cicd', error_type: 'LintError', message: 'eslint found 3 problems', context: { job_name: 'lint', step_name: 'npm run lint' } });
    await bugsKpi.filter({ hasText: /^8$/ }).waitFor({ timeout: 2000 });
    expect(await page.locator('.source-list li[data-source="cicd"] .source-count').textContent()).toBe('2');
  });

  it('shows a message with HTML as text and runs nothing', async () => {
    await page.goto(`${server.url}/bugs?q=onerror`);
    const rows = await listedRows();
    expect(rows.map((row) => row.message)).toEqual([xssMessage]);
    await page.goto(`${server.url}/bugs/${ids.xss}`);
    await page.locator('.bug-message').waitFor();
    expect(await page.locator('.bug-message').textContent()).toBe(xssMessage);
    await page.waitForTimeout(300);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('is usable 375 px wide and in the dark theme', async () => {
    const mobile = await context.newPage();
    await mobile.setViewportSize({ width: 375, height: 812 });
    await mobile.emulateMedia({ colorScheme: 'dark' });
    await mobile.goto(`${server.url}/bugs`);
    await listedRows(mobile);
    expect(await mobile.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const background = await mobile.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgb(245, 246, 248)');
    await shot('bug-list-375-dark', mobile);

    await mobile.keyboard.press('Tab');
    expect(await mobile.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await mobile.goto(`${server.url}/`);
    await mobile.locator('.source-list').waitFor();
    expect(await mobile.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('dashboard-375-dark', mobile);
    await mobile.close();
  });

  it('creates a project, shows its key and DSN once, and revokes a key', async () => {
    await page.goto(`${server.url}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByLabel('Project id').fill('Not A Slug');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('alert').filter({ hasText: 'Use a slug' }).waitFor();

    await page.getByLabel('Project id').fill('mobile_app');
    await page.getByLabel('Name', { exact: true }).fill('Mobile app');
    await page.getByRole('button', { name: 'Create project' }).click();
    const issued = page.locator('.issued');
    await issued.waitFor();
    const apiKey = (await issued.locator('.secret-value', { hasText: 'API key' }).locator('code').textContent()) ?? '';
    expect(apiKey).toMatch(/^[0-9a-f]{32}$/);
    const dsn = (await issued.locator('.secret-value', { hasText: 'Sentry DSN' }).locator('code').textContent()) ?? '';
    expect(dsn).toMatch(new RegExp(`^http://${apiKey}@127\\.0\\.0\\.1:\\d+/\\d+$`));
    expect(await page.locator('.snippets pre').first().textContent()).toContain(apiKey);
    expect(await page.locator('.snippets').textContent()).toContain('scripts/report-cicd-error.sh');
    expect(await page.locator('.snippets').textContent()).toContain(`Sentry.init({\n  dsn: '${dsn}'`);
    expect((await server.report(apiKey, { error_type: 'ProbeError', message: 'from the new key' })).status).toBe(201);
    await shot('settings');

    const keysCard = page.locator('section', { has: page.getByRole('heading', { name: 'Project keys' }) });
    await keysCard.locator('tbody tr').first().waitFor();
    await keysCard.getByRole('button', { name: 'Revoke' }).first().click();
    await keysCard.locator('.badge', { hasText: 'Revoked' }).waitFor();
    expect((await server.report(apiKey, { error_type: 'ProbeError', message: 'after revoke' })).status).toBe(401);
  });

  it('signs out, after which the API refuses the old page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/v1/bugs')).status);
    expect(status).toBe(401);
    const list = bugListSchema.parse(await (await server.admin('GET', '/api/v1/bugs')).json());
    expect(list.items.length).toBe(9);
  });
});
