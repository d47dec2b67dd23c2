import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { parseScrubPatterns, splitPatternList } from './patterns-config.ts';
import { filtered, isCardNumber, isSensitiveKey, scrubReport, scrubText, scrubValue } from './scrub.ts';

const privateKey = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
-----END RSA PRIVATE KEY-----`;

describe('scrubText', () => {
  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'eyJhbGciOiJIUzI1NiJ9'],
    ['request failed with bearer abc123def456 after retry', 'abc123def456'],
    ['sent Basic dXNlcjpodW50ZXIy to the proxy', 'dXNlcjpodW50ZXIy'],
    ['aws key AKIAIOSFODNN7EXAMPLE leaked', 'AKIAIOSFODNN7EXAMPLE'],
    [`boot failed\n${privateKey}\nretrying`, 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0t'],
    ['charge 4111 1111 1111 1111 declined', '4111 1111 1111 1111'],
    ['card=5500-0000-0000-0004', '5500-0000-0000-0004'],
    ['GET https://shop.example/login?user=bob&password=hunter2&next=/ 500', 'hunter2'],
    ['DB_PASSWORD=s3cr3t-value npm run migrate', 's3cr3t-value'],
    ['connect postgres://app:pa55word@db.internal:5432/app refused', 'pa55word'],
    ['body {"user":"bob","api_key":"k-123456"} rejected', 'k-123456'],
    ["params {'client_secret': 'cs-98765'}", 'cs-98765'],
    ['invalid token: tk_live_9f8e7d', 'tk_live_9f8e7d'],
    ['Cookie: lc_session=abc.def; theme=dark', 'abc.def'],
  ])('filters %j', (text, secret) => {
    const scrubbed = scrubText(text);
    expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain(filtered);
  });

  it('filters a private key block cut off by truncation', () => {
    const scrubbed = scrubText(`log tail\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA`);
    expect(scrubbed).toBe(`log tail\n${filtered}`);
  });

  it('keeps text that only looks like a secret', () => {
    for (const text of [
      'TypeError: Cannot read properties of undefined (reading "token")',
      'TokenExpiredError: jwt expired',
      '    at validateSession (/app/src/session.ts:12:5)',
      'took 1700000000000 ms; order 4111111111111112 failed; ratio 0.4111111111111111',
      'basic auth is disabled',
      'https://example.com/path?page=2&sort=asc',
    ]) {
      expect(scrubText(text)).toBe(text);
    }
  });

  it('applies configured patterns', () => {
    const extraPatterns = parseScrubPatterns('cust-\\d{6},/internal-[a-z]+/i');
    expect(scrubText('customer cust-123456 on INTERNAL-host', { extraPatterns })).toBe(`customer ${filtered} on ${filtered}`);
  });

  it('stays fast on hostile input', () => {
    const hostile = [
      'a'.repeat(500_000),
      '-----BEGIN PRIVATE KEY-----'.repeat(20_000),
      '1 '.repeat(250_000),
      'x='.repeat(250_000),
      '"a":"'.repeat(100_000),
      'Bearer '.repeat(70_000),
    ];
    const started = performance.now();
    for (const text of hostile) scrubText(text);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('keys', () => {
  it('matches sensitive keys whatever the case and separators', () => {
    for (const key of ['password', 'PASSWD', 'client_secret', 'X-Api-Key', 'apiKey', 'access_token', 'Authorization', 'set-cookie', 'session_id', 'credit_card', 'cardNumber', 'X-Sentry-Auth', 'private_key', 'mysql_pwd']) {
      expect(isSensitiveKey(key), key).toBe(true);
    }
    for (const key of ['author', 'message', 'job_name', 'namespace', 'restart_count', 'log_tail', 'logs', 'user_agent']) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });

  it('recognises Luhn-valid card numbers only', () => {
    expect(isCardNumber('4111111111111111')).toBe(true);
    expect(isCardNumber('378282246310005')).toBe(true);
    expect(isCardNumber('4111111111111112')).toBe(false);
    expect(isCardNumber('1234567812345670')).toBe(false);
  });

  it('filters values under sensitive keys at any depth, and header pairs', () => {
    const scrubbed = scrubValue({
      request: {
        headers: [['Authorization', 'Token abc'], ['Accept', 'text/html']],
        cookies: { lc_session: 'xyz' },
        data: { user: { password: 'p', name: 'bob' } },
        query_string: 'a=1&token=t0k',
      },
      empty_password: '',
      __proto__: { password: 'polluted' },
    } as Record<string, unknown>);
    expect(scrubbed).toEqual({
      request: {
        headers: [['Authorization', filtered], ['Accept', 'text/html']],
        cookies: filtered,
        data: { user: { password: filtered, name: 'bob' } },
        query_string: `a=1&token=${filtered}`,
      },
      empty_password: '',
    });
  });

  it('scrubs every free-text field of a report', () => {
    const report = scrubReport({
      error_type: 'AuthError',
      message: 'login with password=hunter2 failed',
      stack_trace: 'Error: Bearer abcdefgh\n    at login (/app/auth.ts:1:1)',
      file_path: 'https://app.example/main.js?token=abc',
      tags: { session: 'abc', host: 'web-1' },
      context: { log_tail: 'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI' },
    });
    expect(JSON.stringify(report)).not.toMatch(/hunter2|abcdefgh|token=abc|"abc"|wJalrXUtnFEMI/);
    expect(report.tags).toEqual({ session: filtered, host: 'web-1' });
  });
});

describe('LOG_CENTER_SCRUB_PATTERNS', () => {
  it('splits on top-level commas only', () => {
    expect(splitPatternList('a\\d{2,3}, [,;]x ,(a|b,c)')).toEqual(['a\\d{2,3}', '[,;]x', '(a|b,c)']);
  });

  it('stops start with a clear message for a bad pattern', () => {
    expect(() => loadConfig({ LOG_CENTER_SCRUB_PATTERNS: 'ok-\\d+,(unclosed' })).toThrow(/LOG_CENTER_SCRUB_PATTERNS.*\(unclosed/);
    expect(() => loadConfig({ LOG_CENTER_SCRUB_PATTERNS: 'x*' })).toThrow(/empty string/);
    expect(loadConfig({ LOG_CENTER_SCRUB_PATTERNS: 'ok-\\d+' }).scrubPatterns).toHaveLength(1);
  });
});
