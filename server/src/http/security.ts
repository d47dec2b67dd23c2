import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { sessionCookie } from '../auth/middleware.ts';
import { ApiError } from './errors.ts';

export const dashboardContentSecurityPolicy = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
// JSON and event streams are never rendered as documents: nothing may load from them.
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

function isHttps(c: Context): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https' || new URL(c.req.url).protocol === 'https:';
}

/** Headers on every response; a route that sets its own (the dashboard's CSP) keeps it. */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    let headers = c.res.headers;
    try {
      headers.set('X-Content-Type-Options', 'nosniff');
    } catch {
      // A Response with immutable headers (fetched or Response.redirect): copy it.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
    }
    const setDefault = (name: string, value: string) => {
      if (!headers.has(name)) headers.set(name, value);
    };
    const isHtml = (headers.get('content-type') ?? '').toLowerCase().startsWith('text/html');
    setDefault('Content-Security-Policy', isHtml ? dashboardContentSecurityPolicy : apiContentSecurityPolicy);
    setDefault('X-Frame-Options', 'DENY');
    setDefault('Referrer-Policy', 'same-origin');
    setDefault('Cross-Origin-Opener-Policy', 'same-origin');
    if (isHttps(c)) setDefault('Strict-Transport-Security', 'max-age=31536000');
  };
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host the browser addressed: the proxy's forwarded host when there is one, else Host. */
function requestHosts(c: Context, deps: AppDeps): Set<string> {
  const hosts = new Set<string>();
  const forwarded = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
  if (forwarded) hosts.add(forwarded.toLowerCase());
  const host = c.req.header('host');
  if (host) hosts.add(host.toLowerCase());
  hosts.add(new URL(c.req.url).host.toLowerCase());
  if (deps.config.publicUrl) hosts.add(new URL(deps.config.publicUrl).host.toLowerCase());
  return hosts;
}

function originHost(value: string): string | undefined {
  try {
    return new URL(value).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * CSRF defence for the dashboard: a state-changing call authenticated by the session
 * cookie must come from this origin. Calls with a bearer token carry their credential
 * explicitly and are not subject to it.
 */
export function sameOriginForCookieAuth(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (safeMethods.has(c.req.method) || c.req.header('authorization') || getCookie(c, sessionCookie) === undefined) {
      return next();
    }
    const origin = c.req.header('origin');
    const referer = c.req.header('referer');
    const claimed = origin !== undefined && origin !== 'null' ? originHost(origin) : referer ? originHost(referer) : undefined;
    const fetchSite = c.req.header('sec-fetch-site');
    const sameOrigin =
      claimed !== undefined ? requestHosts(c, deps).has(claimed) : origin === undefined && fetchSite === 'same-origin';
    if (!sameOrigin) {
      throw new ApiError(403, 'cross_origin', 'a dashboard call that changes state must come from the dashboard\'s own origin');
    }
    await next();
  };
}
