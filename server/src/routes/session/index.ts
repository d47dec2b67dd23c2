import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { isAdminRequest, sessionCookie } from '../../auth/middleware.ts';
import { secretsEqual } from '../../auth/tokens.ts';
import { unauthorized } from '../../http/errors.ts';
import { jsonBody } from '../../http/validate.ts';
import type { SessionState } from './schema.ts';
import { signInSchema } from './schema.ts';
import { createSessionValue, verifySessionValue } from './token.ts';

/** HTTPS directly or behind a proxy that says so: only then may the cookie be marked Secure. */
function isHttps(c: Context): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https' || new URL(c.req.url).protocol === 'https:';
}

/** Dashboard sign-in: trades the admin token for a signed, expiring, HttpOnly cookie. */
export function sessionRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', (c) => {
    const cookie = getCookie(c, sessionCookie);
    const expiresAt = cookie ? verifySessionValue(deps.adminToken, cookie, deps.clock()) : undefined;
    const state: SessionState = {
      authenticated: isAdminRequest(c, deps),
      expires_at: expiresAt?.toISOString() ?? null,
    };
    return c.json(state);
  });

  app.post('/', async (c) => {
    const { token } = await jsonBody(c, signInSchema);
    if (!secretsEqual(token, deps.adminToken)) throw unauthorized('wrong admin token');
    const { value, expiresAt } = createSessionValue(deps.adminToken, deps.clock());
    setCookie(c, sessionCookie, value, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c),
      expires: expiresAt,
      maxAge: Math.floor((expiresAt.getTime() - deps.clock().getTime()) / 1000),
    });
    const state: SessionState = { authenticated: true, expires_at: expiresAt.toISOString() };
    return c.json(state);
  });

  app.delete('/', (c) => {
    deleteCookie(c, sessionCookie, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
    const state: SessionState = { authenticated: false, expires_at: null };
    return c.json(state);
  });

  return app;
}
