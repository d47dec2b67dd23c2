import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 hex characters: the shape Sentry SDKs accept as a DSN public key. */
export const generateApiKey = () => randomBytes(16).toString('hex');

export const generateAdminToken = () => `lc_admin_${randomBytes(24).toString('base64url')}`;

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Compares hashes, so neither the length nor the content of the secret leaks through timing. */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(Buffer.from(hashSecret(given), 'hex'), Buffer.from(hashSecret(expected), 'hex'));
}

export const apiKeyPattern = /^[0-9a-f]{32}$/;
