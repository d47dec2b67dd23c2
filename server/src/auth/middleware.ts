import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppDeps, AppEnv, Principal } from '../app-env.ts';
import { findActiveKey } from '../db/queries/api-keys.ts';
import type { ApiKeyRow } from '../db/schema.ts';
import { badRequest, forbidden, unauthorized } from '../http/errors.ts';
import { verifySessionValue } from '../routes/session/token.ts';
import { apiKeyPattern, secretsEqual } from './tokens.ts';

export const sessionCookie = 'lc_session';

function bearer(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

/** The admin token as a bearer, else a valid dashboard session cookie (signed, expiring; never the token itself). */
export function isAdminRequest(c: Context, deps: AppDeps): boolean {
  const token = bearer(c);
  if (token !== undefined) return secretsEqual(token, deps.adminToken);
  const session = getCookie(c, sessionCookie);
  return session !== undefined && verifySessionValue(deps.adminToken, session, deps.clock()) !== undefined;
}

export function requireAdmin(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!isAdminRequest(c, deps)) throw unauthorized('this call needs the admin token (Authorization: Bearer …)');
    c.set('principal', { kind: 'admin' });
    await next();
  };
}

const keyCacheMs = 30_000;

/** Resolves ingest keys with a short cache so the hot path does not query per request. */
export function createKeyResolver(deps: AppDeps) {
  const cache = new Map<string, { row: ApiKeyRow | undefined; expires: number }>();
  return {
    async resolve(apiKey: string): Promise<ApiKeyRow | undefined> {
      const now = Date.now();
      const hit = cache.get(apiKey);
      if (hit && hit.expires > now) return hit.row;
      const row = await findActiveKey(deps.db, apiKey);
      if (cache.size > 10_000) cache.clear();
      cache.set(apiKey, { row, expires: now + keyCacheMs });
      return row;
    },
    forget() {
      cache.clear();
    },
  };
}
export type KeyResolver = ReturnType<typeof createKeyResolver>;

export async function ingestPrincipal(c: Context, deps: AppDeps, keys: KeyResolver, presented?: string): Promise<Principal> {
  const credential = presented ?? bearer(c) ?? c.req.header('x-api-key');
  if (!credential) throw unauthorized('send an ingest key as Authorization: Bearer <key> or X-Api-Key');
  if (secretsEqual(credential, deps.adminToken)) return { kind: 'admin' };
  if (!apiKeyPattern.test(credential)) throw unauthorized('invalid ingest key');
  const row = await keys.resolve(credential);
  if (!row) throw unauthorized('invalid or revoked ingest key');
  return { kind: 'key', keyId: row.id, projectId: row.projectId };
}

export function requireIngestKey(deps: AppDeps, keys: KeyResolver): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('principal', await ingestPrincipal(c, deps, keys));
    await next();
  };
}

/** The project a report is for: the key's own project, or any project for an all-project key. */
export function projectForReport(principal: Principal, requested: string | undefined): string {
  if (principal.kind === 'key' && principal.projectId) {
    if (requested && requested !== principal.projectId) {
      throw forbidden(`this key reports for project "${principal.projectId}", not "${requested}"`);
    }
    return principal.projectId;
  }
  if (!requested) {
    throw badRequest('invalid body', [{ path: 'project_id', message: 'required with an all-project key' }]);
  }
  return requested;
}
