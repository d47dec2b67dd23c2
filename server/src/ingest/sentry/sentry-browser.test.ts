import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../../test/harness.ts';
import { bugsOf } from './test-support.ts';

const appJs = `function checkout() {
  throw new TypeError('cart is empty');
}
document.getElementById('buy').addEventListener('click', checkout);
window.appReady = true;
`;

let api: Awaited<ReturnType<typeof startTestServer>>;
let site: HttpServer;
let siteUrl: string;
let outDir: string;
let browser: Browser;

async function bundleSentryBrowser(dir: string) {
  await build({
    configFile: false,
    logLevel: 'silent',
    root: path.dirname(fileURLToPath(import.meta.url)),
    build: {
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      lib: { entry: fileURLToPath(new URL('./fixtures/browser-entry.ts', import.meta.url)), formats: ['iife'], name: 'LogCenterTestBundle', fileName: () => 'sentry.js' },
    },
  });
}

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'lc-sentry-browser-'));
  await bundleSentryBrowser(outDir);
  api = await startTestServer();
  const project = await api.createProject('web');
  const dsn = new URL(project.dsn);
  dsn.host = new URL(api.url).host;
  const page = `<!doctype html><html><head><meta charset="utf-8"><script src="/sentry.js"></script>
<script>Sentry.init({ dsn: ${JSON.stringify(dsn.toString())}, environment: 'browser-test', release: 'web@1.0.0' });</script></head>
<body><button id="buy">Buy</button><script src="/app.js"></script></body></html>`;
  const sentryJs = await readFile(path.join(outDir, 'sentry.js'));
  // A second origin (another port), so every report to the API is cross-origin.
  site = createServer((req, res) => {
    const [type, body] =
      req.url === '/sentry.js' ? ['text/javascript', sentryJs] : req.url === '/app.js' ? ['text/javascript', appJs] : ['text/html', page];
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => site.once('listening', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await api?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('@sentry/browser bundled into a page', () => {
  it('reports an uncaught error cross-origin, and the bug is stored', async () => {
    const page = await browser.newPage();
    const responses: { status: number; allowOrigin: string | null }[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${api.url}/api/`)) {
        responses.push({ status: response.status(), allowOrigin: response.headers()['access-control-allow-origin'] ?? null });
      }
    });
    const failures: string[] = [];
    page.on('requestfailed', (request) => failures.push(`${request.url()} ${request.failure()?.errorText}`));
    await page.goto(siteUrl);
    await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
    await page.click('#buy');

    let stored: Awaited<ReturnType<typeof bugsOf>> = [];
    for (let attempt = 0; attempt < 100 && stored.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = await bugsOf(api, 'web');
    }
    expect(failures).toEqual([]);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      source: 'runtime',
      error_type: 'TypeError',
      message: 'cart is empty',
      file_path: '/app.js',
      line_number: 2,
      environment: 'browser-test',
      release: 'web@1.0.0',
    });
    expect(responses.some((r) => r.status === 200 && r.allowOrigin === '*')).toBe(true);
    await page.close();
  });
});
