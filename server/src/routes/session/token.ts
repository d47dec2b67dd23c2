import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a dashboard session lasts before the admin token must be entered again. */
export const sessionTtlMs = 7 * 24 * 3_600_000;

const version = 'v1';

// A key derived from the admin token: rotating the token signs every session out.
const signingKey = (adminToken: string) => createHmac('sha256', adminToken).update('log-center session key').digest();

const sign = (adminToken: string, payload: string) =>
  createHmac('sha256', signingKey(adminToken)).update(payload).digest('base64url');

/** `v1.<expiry ms>.<hmac>`: the cookie carries an expiry and a signature, never the admin token itself. */
export function createSessionValue(adminToken: string, now: Date, ttlMs = sessionTtlMs): { value: string; expiresAt: Date } {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const payload = `${version}.${expiresAt.getTime()}`;
  return { value: `${payload}.${sign(adminToken, payload)}`, expiresAt };
}

/** The session's expiry when the value is authentic and not expired, else undefined. */
export function verifySessionValue(adminToken: string, value: string, now: Date): Date | undefined {
  const match = /^(v1\.(\d{1,15}))\.([\w-]{43})$/.exec(value);
  if (!match) return undefined;
  const expected = Buffer.from(sign(adminToken, match[1]));
  const given = Buffer.from(match[3]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expiresAt = new Date(Number(match[2]));
  return expiresAt.getTime() > now.getTime() ? expiresAt : undefined;
}
