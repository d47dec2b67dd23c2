import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../app-env.ts';
import { webRoutes } from './index.ts';

let root: string;
let app: Hono<AppEnv>;
const page = { headers: { accept: 'text/html,application/xhtml+xml' } };

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lc-web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="app"></div>');
  writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'favicon.svg'), '<svg/>');
  writeFileSync(path.join(tmpdir(), 'lc-web-secret.txt'), 'secret');
  app = new Hono<AppEnv>().route('/', webRoutes({ root }));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no route' } }, 404));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dashboard files', () => {
  it('serves index.html at / with a strict content security policy and no long cache', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="app">');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('answers deep links with index.html so the client router can take over', async () => {
    for (const link of ['/bugs', '/bugs/42', '/settings?tab=keys']) {
      const res = await app.request(link, page);
      expect(res.status, link).toBe(200);
      expect(await res.text()).toContain('<div id="app">');
    }
  });

  it('caches hashed assets for a year and types them', async () => {
    const res = await app.request('/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const icon = await app.request('/favicon.svg');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('leaves API paths, missing assets and non-page requests to the JSON 404', async () => {
    for (const [link, init] of [
      ['/api/v1/nope', page],
      ['/assets/missing-123.js', page],
      ['/metrics', { headers: { accept: '*/*' } }],
    ] as const) {
      const res = await app.request(link, init);
      expect(res.status, link).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('never serves a file outside the build folder', async () => {
    for (const link of ['/../lc-web-secret.txt', '/%2e%2e/lc-web-secret.txt', '/assets/%2e%2e%2f%2e%2e%2flc-web-secret.txt']) {
      const res = await app.request(link, page);
      expect(await res.text(), link).not.toContain('secret');
    }
  });

  it('says clearly that the dashboard is not built when dist/web is empty', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'lc-web-empty-'));
    const bare = new Hono<AppEnv>().route('/', webRoutes({ root: empty }));
    const res = await bare.request('/bugs', page);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
    rmSync(empty, { recursive: true, force: true });
  });
});
