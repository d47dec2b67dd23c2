import { describe, expect, it } from 'vitest';
import { computeFingerprint, normalizeMessage } from './fingerprint.ts';

describe('fingerprints', () => {
  it('are SHA-256 over the parts joined by |', async () => {
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update('p|TypeError|src/a.ts|3').digest('hex');
    expect(
      computeFingerprint({ project_id: 'p', source: 'runtime', error_type: 'TypeError', message: 'x', file_path: 'src/a.ts', line_number: 3 }),
    ).toBe(expected);
  });

  it('normalize messages so ids, numbers and hex do not split a bug', () => {
    expect(normalizeMessage('User 42 not found (req 3f2a9c0e-1b2c-4d5e-8f90-123456789abc) at 0xdeadbeef')).toBe(
      'User <n> not found (req <uuid>) at <hex>',
    );
    expect(normalizeMessage('token 9f86d081884c7d659a2feaa0c55ad015 expired\nsecond line')).toBe('token <hex> expired');
    expect(normalizeMessage('mail to a.b@example.com bounced')).toBe('mail to <email> bounced');
  });
});
