import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../src/schemas/error.ts';
import { adminToken, createHarness, type Harness } from '../harness.ts';

let h: Harness;
let cookie: string;

beforeAll(async () => {
  h = await createHarness();
  const signIn = await h.app.request('/api/v1/session', {
    method: 'POST',
    body: JSON.stringify({ token: adminToken }),
    headers: { 'content-type': 'application/json' },
  });
  expect(signIn.status).toBe(200);
  cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
});
afterAll(() => h.close());

describe('security headers', () => {
  it('are on every API answer, errors included', async () => {
    for (const res of [await h.app.request('/healthz'), await h.app.request('/api/v1/bugs'), await h.admin('GET', '/api/v1/bugs')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('referrer-policy')).toBeTruthy();
    }
  });

  it("give the dashboard page a default-src 'self' policy", async () => {
    const page = await h.app.request('/', { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('add HSTS only behind HTTPS', async () => {
    expect((await h.app.request('/healthz')).headers.get('strict-transport-security')).toBeNull();
    const https = await h.app.request('/healthz', { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});

describe('session cookie', () => {
  it('is HttpOnly and SameSite=Strict, and Secure behind HTTPS', async () => {
    const signIn = (headers: Record<string, string>) =>
      h.app.request('/api/v1/session', {
        method: 'POST',
        body: JSON.stringify({ token: adminToken }),
        headers: { 'content-type': 'application/json', ...headers },
      });
    const plain = (await signIn({})).headers.get('set-cookie') ?? '';
    expect(plain).toMatch(/HttpOnly/i);
    expect(plain).toMatch(/SameSite=Strict/i);
    expect(plain).not.toMatch(/Secure/i);
    expect((await signIn({ 'x-forwarded-proto': 'https' })).headers.get('set-cookie')).toMatch(/;\s*Secure/i);
  });
});

describe('Origin check on cookie-authenticated calls', () => {
  const createProject = (id: string, headers: Record<string, string>) =>
    h.app.request('/api/v1/projects', {
      method: 'POST',
      body: JSON.stringify({ id }),
      headers: { 'content-type': 'application/json', cookie, ...headers },
    });

  it('refuses a state change from another origin, or with no origin at all', async () => {
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { referer: 'https://evil.example/page' },
      { 'sec-fetch-site': 'cross-site' },
      {},
    ];
    for (const headers of attempts) {
      const res = await createProject('csrf_victim', headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(errorBodySchema.parse(await res.json()).error.code).toBe('cross_origin');
    }
    expect((await h.admin('GET', '/api/v1/projects/csrf_victim')).status).toBe(404);
    const signOut = await h.app.request('/api/v1/session', { method: 'DELETE', headers: { cookie, origin: 'https://evil.example' } });
    expect(signOut.status).toBe(403);
  });

  it('lets the dashboard itself through', async () => {
    expect((await createProject('from_dashboard', { origin: 'http://localhost' })).status).toBe(201);
    expect((await createProject('from_dashboard_2', { referer: 'http://localhost/bugs/1' })).status).toBe(201);
    expect((await createProject('from_dashboard_3', { 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    // Behind a proxy the browser sees the forwarded host.
    expect((await createProject('behind_proxy', { origin: 'https://logs.example', 'x-forwarded-host': 'logs.example' })).status).toBe(201);
  });

  it('does not apply to reads or to bearer-token calls', async () => {
    const read = await h.app.request('/api/v1/projects', { headers: { cookie, origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
    const bearer = await h.app.request('/api/v1/projects', {
      method: 'POST',
      body: JSON.stringify({ id: 'from_cli' }),
      headers: { 'content-type': 'application/json', ...h.adminHeaders, origin: 'https://evil.example' },
    });
    expect(bearer.status).toBe(201);
  });
});
