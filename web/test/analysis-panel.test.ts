import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeModelServer } from '../../server/src/analysis/fake-model-server.ts';
import { type AnalysisWorker, createAnalysisWorker } from '../../server/src/analysis/worker.ts';
import { bugDetailSchema } from '../../server/src/schemas/bug.ts';
import { reportResultSchema } from '../../server/src/schemas/report.ts';
import { adminToken, startTestServer } from '../../server/test/harness.ts';
import { ensureWebBuild } from '../scripts/ensure-build.ts';
import { launchChromium } from './browser.ts';

let model: Awaited<ReturnType<typeof startFakeModelServer>>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let worker: AnalysisWorker;
let browser: Browser;
let page: Page;
let bugId: number;
const pageErrors: string[] = [];

beforeAll(async () => {
  await ensureWebBuild({ quiet: true });
  model = await startFakeModelServer();
  server = await startTestServer({ env: { LOG_CENTER_LLM_URL: model.url, LOG_CENTER_LLM_MODEL: 'local-coder' } });
  const llm = server.deps.config.llm;
  if (!llm) throw new Error('no llm config');
  worker = createAnalysisWorker({ db: server.db, events: server.events, llm, log: () => {}, pollMs: 60_000 });
  worker.start();
  const { apiKey } = await server.createProject('shop');
  model.script({
    content: JSON.stringify({
      analyses: [
        {
          bug_id: 1,
          summary: 'Checkout crashes when the cart is empty',
          probable_cause: '<b>cart</b> is undefined after the session expires',
          suggested_fix: 'Guard computeTotal against a missing cart',
          severity: 'critical',
          confidence: 0.72,
          category: 'null-reference',
        },
      ],
    }),
  });
  const res = await server.report(apiKey, { project_id: 'shop', error_type: 'TypeError', message: "Cannot read properties of undefined (reading 'total')" });
  bugId = reportResultSchema.parse(await res.json()).bug_id;
  if (bugId !== 1) throw new Error(`expected the first bug to be 1, got ${bugId}`);
  await worker.idle();

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const signIn = await context.request.post(`${server.url}/api/v1/session`, { data: { token: adminToken } });
  if (!signIn.ok()) throw new Error(`sign in: ${signIn.status()}`);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await browser?.close();
  await server?.close();
  await model?.close();
});

describe('analysis panel on the bug page', () => {
  it('shows the summary, cause, fix, severity and model, and queues a re-analysis', async () => {
    await page.goto(`${server.url}/bugs/${bugId}`);
    const panel = page.locator('[data-section="analysis"]');
    await panel.waitFor();
    expect(await panel.locator('.analysis-summary').textContent()).toBe('Checkout crashes when the cart is empty');
    // Model output is text, never markup.
    expect(await panel.locator('.analysis-cause').textContent()).toBe('<b>cart</b> is undefined after the session expires');
    expect(await panel.locator('.analysis-cause b').count()).toBe(0);
    expect(await panel.locator('.analysis-fix').textContent()).toBe('Guard computeTotal against a missing cart');
    expect(await panel.locator('[data-severity]').getAttribute('data-severity')).toBe('critical');
    expect(await panel.locator('.analysis-model').textContent()).toContain('local-coder-served');
    expect(await panel.textContent()).toContain('72% confident');

    await panel.getByRole('button', { name: 'Re-analyze' }).click();
    await panel.getByRole('status').filter({ hasText: 'Waiting for the model' }).waitFor();
    const detail = bugDetailSchema.parse(await (await server.admin('GET', `/api/v1/bugs/${bugId}`)).json());
    expect(detail.analysis_job?.status).toBe('pending');

    // The dashboard refreshes by itself once the new analysis is stored.
    await worker.runDue();
    await panel.getByRole('status').waitFor({ state: 'detached', timeout: 5000 });
    expect(model.requests).toHaveLength(2);
    expect(pageErrors).toEqual([]);
  });

  it('filters the bug list by analysed severity', async () => {
    await page.goto(`${server.url}/bugs`);
    await page.locator('.bug-table tbody tr').first().waitFor();
    await page.getByLabel('Analysed severity').selectOption('low');
    await page.getByText('No bugs match these filters').waitFor();
    expect(new URL(page.url()).searchParams.get('severity')).toBe('low');
    // The re-analysis above answered "high".
    await page.getByLabel('Analysed severity').selectOption('high');
    await page.locator(`.bug-table tbody tr[data-bug-id="${bugId}"]`).waitFor();
    expect(await page.locator('.bug-table tbody tr').count()).toBe(1);
  });
});
