import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { envelopeOf, exceptionEvent } from '../../src/ingest/sentry/test-support.ts';
import { createHarness, type Harness } from '../harness.ts';

// Every secret is unique, so finding it anywhere in a stored row proves a leak.
const secrets = {
  bearer: 'eyJhbGciOiJIUzI1NiJ9.bearer-secret-01',
  basicCredential: Buffer.from('alice:basic-secret-02').toString('base64'),
  aws: 'AKIAQWERTYUIOPASDFGH',
  privateKeyBody: 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu',
  cardSpaced: '4242 4242 4242 4242',
  cardPlain: '5555555555554444',
  urlPassword: 'url-secret-03',
  userinfo: 'userinfo-secret-04',
  contextPassword: 'ctx-secret-05',
  headerToken: 'hdr-secret-06',
  tagKey: 'tag-secret-07',
  logTail: 'ghp_logtailsecret08',
  podLogs: 'pod-secret-09',
  sentryUrl: 'sentry-secret-10',
  sentryCookie: 'sentry-secret-11',
  sentryExtra: 'sentry-secret-12',
  configured: 'cust-424242',
  cookieHeader: 'cookie-secret-13',
  jsonInText: 'json-secret-14',
};

const privateKey = `-----BEGIN PRIVATE KEY-----\n${secrets.privateKeyBody}\n-----END PRIVATE KEY-----`;

const hostileText = [
  `call failed: Authorization: Bearer ${secrets.bearer}`,
  `proxy sent Basic ${secrets.basicCredential}`,
  `aws ${secrets.aws}`,
  privateKey,
  `charged ${secrets.cardSpaced} and ${secrets.cardPlain}`,
  `GET /login?user=bob&password=${secrets.urlPassword}`,
  `dial postgres://app:${secrets.userinfo}@db:5432/app`,
  `customer ${secrets.configured}`,
  `Cookie: sid=${secrets.cookieHeader}`,
  `payload {"api_key": "${secrets.jsonInText}"}`,
].join('\n');

function report(id: string) {
  return {
    error_type: 'LeakTest',
    message: `${id}: ${hostileText}`,
    stack_trace: `Error: ${hostileText}\n    at handler (/app/src/login.ts:10:5)`,
    tags: { api_key: secrets.tagKey, request: `password=${secrets.urlPassword}` },
    context: {
      password: secrets.contextPassword,
      request: { headers: { Authorization: `Token ${secrets.headerToken}` }, cookies: { sid: secrets.sentryCookie } },
      log_tail: `$ export GITHUB_TOKEN=${secrets.logTail}\n${hostileText}`,
      logs: `client_secret: ${secrets.podLogs}\n${hostileText}`,
      nested: [{ deeper: { credit_card: secrets.cardPlain, note: hostileText } }],
    },
  };
}

let h: Harness;
let apiKey: string;
let dsnId: number;

beforeAll(async () => {
  h = await createHarness({ env: { LOG_CENTER_SCRUB_PATTERNS: 'cust-\\d{6}' } });
  ({ apiKey, dsnId } = await h.createProject('scrubbed'));
});
afterAll(() => h.close());

async function storedText(): Promise<string> {
  const rows = await queryRows<{ row: string }>(
    h.db,
    sql`select t::text as row from bugs t union all select t::text from occurrences t union all select t::text from sentry_events t`,
  );
  return rows.map((row) => row.row).join('\n');
}

describe('secret scrubbing', () => {
  it('keeps every kind of secret out of the database, whatever route the report came through', async () => {
    expect((await h.report(apiKey, report('single'))).status).toBe(201);
    const batch = await h.reportBatch(apiKey, { reports: [report('batch one'), { ...report('batch two'), error_type: 'LeakTestTwo' }] });
    expect(batch.status).toBe(200);

    const event = exceptionEvent({
      message: hostileText,
      request: { url: `https://app.example/checkout?token=${secrets.sentryUrl}`, method: 'POST', headers: { Cookie: `sid=${secrets.sentryCookie}` } },
      user: { id: '7', password: secrets.contextPassword },
      extra: { authorization: `Bearer ${secrets.sentryExtra}`, debug: hostileText },
      breadcrumbs: { values: [{ message: `GET /api?apikey=${secrets.sentryExtra}` }] },
    });
    const sentry = await h.app.request(`/api/${dsnId}/envelope/?sentry_key=${apiKey}`, { method: 'POST', body: envelopeOf([event]) });
    expect(sentry.status).toBe(200);

    const stored = await storedText();
    expect(stored).toContain('[Filtered]');
    expect(stored).toContain('LeakTestTwo');
    for (const [kind, secret] of Object.entries(secrets)) {
      expect(stored.includes(secret), `${kind} reached the database`).toBe(false);
    }
    expect(stored).not.toContain(secrets.cardSpaced.replaceAll(' ', ''));
    expect(stored).not.toMatch(/BEGIN PRIVATE KEY/);
  });

  it('keeps what is not a secret, so bugs stay readable', async () => {
    const res = await h.report(apiKey, {
      error_type: 'TypeError',
      message: 'Cannot read properties of undefined (reading token) at order 1700000000000',
      context: { job_name: 'build', run_url: 'https://ci.example/run/42?attempt=2' },
    });
    expect(res.status).toBe(201);
    const stored = await storedText();
    expect(stored).toContain('Cannot read properties of undefined (reading token) at order 1700000000000');
    expect(stored).toContain('https://ci.example/run/42?attempt=2');
  });
});
