import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../schemas/error.ts';
import { adminToken, createHarness, createTestClock, type Harness } from '../../../test/harness.ts';
import { sessionStateSchema } from './schema.ts';
import { createSessionValue, sessionTtlMs, verifySessionValue } from './token.ts';

const clock = createTestClock('2026-03-01T12:00:00Z');
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ clock });
});
afterAll(() => h.close());

const signIn = (token: unknown, headers: Record<string, string> = {}) =>
  h.app.request('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });

const cookieOf = (res: Response) => /lc_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
const withCookie = (value: string) => ({ headers: { cookie: `lc_session=${value}` } });

describe('dashboard session', () => {
  it('trades the admin token for an HttpOnly, SameSite=Strict cookie that is not the token', async () => {
    const res = await signIn(adminToken);
    expect(res.status).toBe(200);
    expect(sessionStateSchema.parse(await res.json())).toMatchObject({ authenticated: true });
    const header = res.headers.get('set-cookie') ?? '';
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).toMatch(/Path=\//);
    expect(header).not.toMatch(/Secure/);
    const value = cookieOf(res) ?? '';
    expect(value).not.toContain(adminToken);

    const bugs = await h.app.request('/api/v1/bugs', withCookie(value));
    expect(bugs.status).toBe(200);
    const state = sessionStateSchema.parse(await (await h.app.request('/api/v1/session', withCookie(value))).json());
    expect(state.authenticated).toBe(true);
    expect(Date.parse(state.expires_at ?? '')).toBe(clock.now().getTime() + sessionTtlMs);
  });

  it('marks the cookie Secure when the request came over HTTPS', async () => {
    const direct = await h.app.request('https://logs.example.com/api/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: adminToken }),
    });
    expect(direct.headers.get('set-cookie')).toMatch(/Secure/);
    const proxied = await signIn(adminToken, { 'x-forwarded-proto': 'https' });
    expect(proxied.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('rejects a wrong token with 401 and sets no cookie', async () => {
    const res = await signIn('not-the-admin-token');
    expect(res.status).toBe(401);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe('unauthorized');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('answers 400 with the envelope for a missing token and 415 for a non-JSON body', async () => {
    const missing = await h.app.request('/api/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(400);
    expect(errorBodySchema.parse(await missing.json()).error.issues?.[0].path).toBe('token');
    const form = await h.app.request('/api/v1/session', { method: 'POST', body: `token=${adminToken}` });
    expect(form.status).toBe(415);
  });

  it('does not accept the raw admin token, a forged or an expired value as the cookie', async () => {
    expect((await h.app.request('/api/v1/bugs', withCookie(adminToken))).status).toBe(401);
    const { value } = createSessionValue(adminToken, clock.now());
    const forged = value.replace(/^v1\.(\d+)/, (_, expiry) => `v1.${Number(expiry) + 1}`);
    expect((await h.app.request('/api/v1/bugs', withCookie(forged))).status).toBe(401);
    const otherKey = createSessionValue('another-admin-token-xyz', clock.now()).value;
    expect((await h.app.request('/api/v1/bugs', withCookie(otherKey))).status).toBe(401);

    clock.advance(sessionTtlMs + 1000);
    expect((await h.app.request('/api/v1/bugs', withCookie(value))).status).toBe(401);
    const state = sessionStateSchema.parse(await (await h.app.request('/api/v1/session', withCookie(value))).json());
    expect(state).toEqual({ authenticated: false, expires_at: null });
  });

  it('signs out by clearing the cookie', async () => {
    const res = await h.app.request('/api/v1/session', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(sessionStateSchema.parse(await res.json()).authenticated).toBe(false);
    expect(res.headers.get('set-cookie')).toMatch(/lc_session=;.*Max-Age=0/);
  });

  it('verifies only values it signed', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const { value, expiresAt } = createSessionValue(adminToken, now);
    expect(verifySessionValue(adminToken, value, now)).toEqual(expiresAt);
    for (const bad of ['', 'v1', 'v1.1.x', `${value}x`, value.toUpperCase()]) {
      expect(verifySessionValue(adminToken, bad, now)).toBeUndefined();
    }
  });
});
