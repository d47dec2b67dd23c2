import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createHarness, createTestClock } from '../../test/harness.ts';
import { testDatabaseKind } from '../../test/test-database.ts';
import type { Db } from '../db/client.ts';
import { claimDueJobs } from './queries.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { analysisJobs, bugAnalyses } from '../db/schema.ts';
import { bugDetailSchema, bugListSchema } from '../schemas/bug.ts';
import { pendingTaskListSchema } from '../schemas/task.ts';
import { batchResultSchema, reportResultSchema } from '../schemas/report.ts';
import { answerAll, goodItem, startFakeModelServer } from './fake-model-server.ts';
import { type AnalysisWorker, type AnalysisWorkerOptions, createAnalysisWorker } from './worker.ts';

const clock = createTestClock('2026-03-02T10:00:00Z');
const modelKey = 'sk-test-model-key-0123456789';
let model: Awaited<ReturnType<typeof startFakeModelServer>>;
let h: Harness;
let apiKey: string;
const workers: AnalysisWorker[] = [];

function worker(options: Partial<AnalysisWorkerOptions> = {}) {
  const llm = h.deps.config.llm;
  if (!llm) throw new Error('the harness has no LLM configuration');
  const w = createAnalysisWorker({
    db: h.db,
    events: h.events,
    llm,
    clock: clock.now,
    log: () => {},
    pollMs: 60_000,
    maxAttempts: 2,
    retryDelayMs: 60_000,
    baseBackoffMs: 30_000,
    ...options,
  });
  w.start();
  workers.push(w);
  return w;
}

let seq = 0;
function freshReport(overrides: Record<string, unknown> = {}) {
  seq += 1;
  return {
    project_id: 'shop',
    error_type: 'TypeError',
    message: `Cannot read properties of undefined (reading "item${seq}")`,
    file_path: `src/cart-${seq}.ts`,
    line_number: 42,
    stack_trace: `TypeError: boom\n    at total (src/cart-${seq}.ts:42:7)`,
    ...overrides,
  };
}

/** Reports a bug nobody has seen before and returns its id. */
async function newBug(overrides: Record<string, unknown> = {}): Promise<number> {
  const res = await h.report(apiKey, freshReport(overrides));
  expect(res.status, await res.clone().text()).toBe(201);
  return reportResultSchema.parse(await res.json()).bug_id;
}

/** New bugs in one batch request, so their events reach the worker together. */
async function newBugs(count: number): Promise<number[]> {
  const res = await h.reportBatch(apiKey, { reports: Array.from({ length: count }, () => freshReport()) });
  expect(res.status, await res.clone().text()).toBe(200);
  const { results } = batchResultSchema.parse(await res.json());
  return results.map((result) => {
    if (!('bug_id' in result) || result.status !== 201) throw new Error(`not a new bug: ${JSON.stringify(result)}`);
    return result.bug_id;
  });
}

async function detail(id: number) {
  const res = await h.admin('GET', `/api/v1/bugs/${id}`);
  expect(res.status).toBe(200);
  return bugDetailSchema.parse(await res.json());
}

beforeAll(async () => {
  model = await startFakeModelServer();
  h = await createHarness({
    clock,
    env: {
      LOG_CENTER_LLM_URL: model.url,
      LOG_CENTER_LLM_MODEL: 'qwen2.5-coder:7b',
      LOG_CENTER_LLM_API_KEY: modelKey,
      LOG_CENTER_LLM_BATCH: '3',
      LOG_CENTER_LLM_TIMEOUT_MS: '1500',
    },
  });
  apiKey = (await h.createProject('shop')).apiKey;
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await h.db.delete(analysisJobs);
  await h.db.delete(bugAnalyses);
  model.reset();
});
afterAll(async () => {
  await h?.close();
  await model?.close();
});

describe('bug analysis worker', () => {
  it('analyses a batch of three new bugs in one request and stores each answer', async () => {
    const w = worker();
    const ids = await newBugs(3);
    await w.idle();

    expect(model.requests).toHaveLength(1);
    const [request] = model.requests;
    expect(request.headers.authorization).toBe(`Bearer ${modelKey}`);
    expect(request.body.model).toBe('qwen2.5-coder:7b');
    expect(request.body.response_format).toEqual({ type: 'json_object' });
    expect(request.body.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(request.bugIds.sort()).toEqual([...ids].sort());
    expect(request.raw).not.toContain(modelKey);

    for (const id of ids) {
      const bug = await detail(id);
      expect(bug.analysis).toMatchObject({
        summary: `bug ${id} summary`,
        probable_cause: `bug ${id} cause`,
        suggested_fix: `bug ${id} fix`,
        severity: 'high',
        confidence: 0.8,
        category: 'null-reference',
        model: 'qwen2.5-coder:7b-served',
        analyzed_at: clock.now().toISOString(),
      });
      expect(bug.analysis_job).toEqual({ status: 'done', attempts: 0, last_error: null });
    }

    // The repair agent gets the hint with its task.
    const res = await h.admin('GET', '/api/v1/tasks/pending?project_id=shop&limit=100');
    const tasks = pendingTaskListSchema.parse(await res.json());
    for (const id of ids) expect(tasks.items.find((item) => item.id === id)?.analysis?.probable_cause).toBe(`bug ${id} cause`);
  });

  it('filters the bug list and the export by analysed severity', async () => {
    const w = worker();
    const [critical, low, unanalysed] = await newBugs(3);
    model.script((request) => ({
      content: JSON.stringify({
        analyses: request.bugIds.flatMap((id) =>
          id === critical ? [goodItem(id, { severity: 'Critical' })] : id === low ? [goodItem(id, { severity: 'low' })] : [],
        ),
      }),
    }));
    await w.idle();
    const listed = async (query: string) => {
      const res = await h.admin('GET', `/api/v1/bugs?project_id=shop&limit=200&${query}`);
      expect(res.status).toBe(200);
      return bugListSchema.parse(await res.json()).items.map((bug) => bug.id);
    };
    expect(await listed('severity=critical')).toEqual([critical]);
    expect((await listed('severity=critical,low')).sort()).toEqual([critical, low].sort());
    expect(await listed('severity=high')).not.toContain(unanalysed);
    expect((await listed('')).length).toBeGreaterThanOrEqual(3);
    const exported = await h.admin('GET', '/api/v1/bugs/export?format=ndjson&severity=low');
    expect((await exported.text()).trim().split('\n').map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([low]);
    const bad = await h.admin('GET', '/api/v1/bugs?severity=catastrophic');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('validation_error');
  });

  it('stores the valid items of a partly malformed reply, retries the bad one, then marks it failed with the reason', async () => {
    const w = worker();
    const ids = await newBugs(3);
    const [good1, bad, good2] = ids;
    const badReply = (request: { bugIds: number[] }) => ({
      content: JSON.stringify({
        analyses: request.bugIds.map((id) => (id === bad ? goodItem(id, { severity: 'catastrophic' }) : goodItem(id))),
      }),
    });
    model.script(badReply, badReply);
    await w.idle();

    expect(model.requests).toHaveLength(1);
    expect((await detail(good1)).analysis?.summary).toBe(`bug ${good1} summary`);
    expect((await detail(good2)).analysis?.summary).toBe(`bug ${good2} summary`);
    const first = await detail(bad);
    expect(first.analysis).toBeUndefined();
    expect(first.analysis_job?.status).toBe('pending');
    expect(first.analysis_job?.attempts).toBe(1);
    expect(first.analysis_job?.last_error).toContain('severity');

    // Not before its retry delay.
    await w.runDue();
    expect(model.requests).toHaveLength(1);

    clock.advance(61_000);
    await w.runDue();
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1].bugIds).toEqual([bad]);
    const failed = await detail(bad);
    expect(failed.analysis).toBeUndefined();
    expect(failed.analysis_job?.status).toBe('failed');
    expect(failed.analysis_job?.last_error).toMatch(/severity.*gave up after 2 attempts/);

    clock.advance(3_600_000);
    await w.runDue();
    expect(model.requests).toHaveLength(2);
  });

  it('marks a bug missing from the reply, or a reply that is not JSON, as a failed attempt', async () => {
    const w = worker({ maxAttempts: 3 });
    const [answered, missing] = await newBugs(2);
    model.script({ content: JSON.stringify({ analyses: [goodItem(answered)] }) }, { content: 'Sure! Here is my analysis: …' });
    await w.idle();
    expect((await detail(answered)).analysis?.severity).toBe('high');
    expect((await detail(missing)).analysis_job).toMatchObject({
      status: 'pending',
      last_error: 'the reply has no analysis for this bug',
    });

    clock.advance(61_000);
    await w.runDue();
    expect((await detail(missing)).analysis_job).toMatchObject({ status: 'pending', attempts: 2 });
    expect((await detail(missing)).analysis_job?.last_error).toContain('not JSON');

    clock.advance(61_000);
    await w.runDue();
    expect((await detail(missing)).analysis?.summary).toBe(`bug ${missing} summary`);
  });

  it('backs off after a 429 and a timeout, retries later, and ingest never waits for the model', async () => {
    const w = worker();
    model.script({ status: 429, headers: { 'retry-after': '120' }, raw: '{"error":"rate limited"}' });
    const id = await newBug();
    await w.idle();
    let job = (await detail(id)).analysis_job;
    expect(job?.status).toBe('pending');
    expect(job?.last_error).toContain('HTTP 429');
    const [row] = await h.db.select().from(analysisJobs).where(eq(analysisJobs.bugId, id));
    expect(row.nextAttemptAt.getTime() - clock.now().getTime()).toBe(120_000);

    // Within the backoff nothing is sent.
    clock.advance(60_000);
    await w.runDue();
    expect(model.requests).toHaveLength(1);

    // The model hangs past LOG_CENTER_LLM_TIMEOUT_MS while reports keep arriving.
    clock.advance(61_000);
    model.script({ delayMs: 5000, content: '{}' });
    let analysing = true;
    const run = w.runDue().then(() => {
      analysing = false;
    });
    while (model.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const other = await newBug();
    expect(analysing).toBe(true);
    await run;
    job = (await detail(id)).analysis_job;
    expect(job?.status).toBe('pending');
    expect(job?.last_error).toBe('no answer within 1500 ms');

    clock.advance(3_600_000);
    await w.runDue();
    expect((await detail(id)).analysis?.summary).toBe(`bug ${id} summary`);
    expect((await detail(other)).analysis?.summary).toBe(`bug ${other} summary`);
  });

  it('never lets a secret of a report reach the model', async () => {
    const w = worker();
    const id = await newBug({
      source: 'cicd',
      message: 'login failed for bob password=hunter2',
      stack_trace: 'Error: connect postgres://app:hunter2@db:5432/shop\n    at connect (src/db.ts:3:1)',
      context: { password: 'hunter2', log_tail: 'step 3/5\nexport DB_PASSWORD=hunter2\nnpm ERR! code ELIFECYCLE' },
    });
    await w.idle();
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0].bugIds).toEqual([id]);
    expect(model.requests[0].raw).not.toContain('hunter2');
    expect(model.requests[0].raw).toContain('[Filtered]');
    expect(model.requests[0].raw).toContain('npm ERR! code ELIFECYCLE');
  });

  it('respects LOG_CENTER_LLM_MAX_PER_HOUR across batches', async () => {
    const llm = h.deps.config.llm;
    if (!llm) throw new Error('no llm config');
    const w = worker({ llm: { ...llm, maxPerHour: 2 } });
    const ids = await newBugs(3);
    await w.idle();
    expect(model.requests.flatMap((request) => request.bugIds)).toHaveLength(2);

    clock.advance(3_601_000);
    await w.runDue();
    expect(model.requests.flatMap((request) => request.bugIds).sort()).toEqual([...ids].sort());
  });

  it('two workers sharing the queue never analyse the same bug twice', async () => {
    const llm = h.deps.config.llm;
    if (!llm) throw new Error('no llm config');
    // Queued with no worker listening: the two workers then race for the same due jobs.
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push(await newBug());
    await h.db.insert(analysisJobs).values(
      ids.map((bugId) => ({ bugId, reason: 'new', nextAttemptAt: clock.now(), createdAt: clock.now(), updatedAt: clock.now() })),
    );
    const slow = (request: Parameters<Extract<typeof answerAll, (...args: never[]) => unknown>>[0]) => ({
      ...(answerAll as (r: typeof request) => { content: string })(request),
      delayMs: 50,
    });
    model.script(slow, slow, slow, slow, slow, slow, slow, slow);
    const a = worker({ llm: { ...llm, batch: 2 } });
    const b = worker({ llm: { ...llm, batch: 2 } });
    await Promise.all([a.runDue(), b.runDue()]);

    const sent = model.requests.flatMap((request) => request.bugIds);
    expect(sent.sort()).toEqual([...ids].sort());
    expect(new Set(sent).size).toBe(sent.length);
    const stored = await h.db.select().from(bugAnalyses);
    expect(stored.map((row) => row.bugId).sort()).toEqual([...ids].sort());
  });

  // PGlite has one connection, so a second claim cannot run while a transaction holds the rows.
  it.skipIf(testDatabaseKind() !== 'postgres')('skips jobs another replica holds locked instead of waiting for them', async () => {
    const ids = await newBugs(4);
    const now = clock.now();
    await h.db.insert(analysisJobs).values(ids.map((bugId) => ({ bugId, reason: 'new', nextAttemptAt: now, createdAt: now, updatedAt: now })));
    let releaseLock = () => {};
    const held = new Promise<void>((resolve) => {
      releaseLock = resolve;
    });
    let lockedIds: number[] = [];
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const replica = h.db.transaction(async (tx) => {
      lockedIds = (await claimDueJobs(tx as unknown as Db, now, 2, 60_000)).map((job) => job.bugId);
      locked();
      await held;
    });
    await isLocked;
    try {
      const claimed = await Promise.race([
        claimDueJobs(h.db, now, 10, 60_000),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the claim waited for the locked rows')), 2000)),
      ]);
      expect(lockedIds).toHaveLength(2);
      expect(claimed.map((job) => job.bugId).sort()).toEqual(ids.filter((id) => !lockedIds.includes(id)).sort());
    } finally {
      releaseLock();
      await replica;
    }
  });

  it('re-queues a regressed bug and a bug asked for with POST /bugs/:id/analyze', async () => {
    const w = worker();
    const message = `Regressing ${Date.now()}`;
    const id = await newBug({ message });
    await w.idle();
    expect(model.requests).toHaveLength(1);

    const patched = await h.admin('PATCH', `/api/v1/bugs/${id}`, { status: 'fixed' });
    expect(patched.status).toBe(200);
    const again = await h.report(apiKey, { project_id: 'shop', error_type: 'TypeError', message, file_path: `src/cart-${seq}.ts`, line_number: 42 });
    expect(again.status).toBe(200);
    await w.idle();
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1].bugIds).toEqual([id]);

    const res = await h.admin('POST', `/api/v1/bugs/${id}/analyze`);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ bug_id: id, status: 'pending' });
    expect((await detail(id)).analysis_job?.status).toBe('pending');
    await w.runDue();
    expect(model.requests).toHaveLength(3);
    expect((await detail(id)).analysis_job?.status).toBe('done');

    const missing = await h.admin('POST', '/api/v1/bugs/999999999/analyze');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
    const badId = await h.admin('POST', '/api/v1/bugs/abc/analyze');
    expect(badId.status).toBe(400);
  });
});

describe('bug analysis when unconfigured', () => {
  it('is off without LOG_CENTER_LLM_URL: nothing is queued or sent, and analyze answers 409', async () => {
    const off = await createHarness({ clock });
    try {
      expect(off.deps.config.llm).toBeUndefined();
      const key = (await off.createProject('shop')).apiKey;
      const res = await off.report(key, { project_id: 'shop', error_type: 'Error', message: 'unconfigured' });
      const { bug_id } = reportResultSchema.parse(await res.json());
      const analyze = await off.admin('POST', `/api/v1/bugs/${bug_id}/analyze`);
      expect(analyze.status).toBe(409);
      expect((await analyze.json()).error.code).toBe('conflict');
      expect(await off.db.select().from(analysisJobs)).toEqual([]);
      const body = bugDetailSchema.parse(await (await off.admin('GET', `/api/v1/bugs/${bug_id}`)).json());
      expect(body.analysis).toBeUndefined();
      expect(model.requests).toHaveLength(0);
    } finally {
      await off.close();
    }
  });

  it('needs a model name with a URL, and accepts a server root or the full endpoint', () => {
    expect(() => loadConfig({ LOG_CENTER_LLM_URL: 'http://localhost:11434' })).toThrow(ConfigError);
    const base = { LOG_CENTER_LLM_MODEL: 'llama3.1' };
    expect(loadConfig({ ...base, LOG_CENTER_LLM_URL: 'http://localhost:11434' }).llm?.url).toBe('http://localhost:11434/v1/chat/completions');
    expect(loadConfig({ ...base, LOG_CENTER_LLM_URL: 'https://api.openai.com/v1/' }).llm?.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(loadConfig({ ...base, LOG_CENTER_LLM_URL: 'http://gpu:8000/v1/chat/completions' }).llm).toMatchObject({
      url: 'http://gpu:8000/v1/chat/completions',
      batch: 10,
      timeoutMs: 120_000,
    });
  });
});

describe('alerts on analysed severity', () => {
  it('fires a rule once the model rates a bug at least its min_severity, and not below it', async () => {
    const { createAlertDispatcher } = await import('../alerts/dispatcher.ts');
    const { startWebhookReceiver } = await import('../alerts/webhook-receiver.ts');
    const { createdAlertRuleSchema } = await import('../routes/alerts/schema.ts');
    const receiver = await startWebhookReceiver();
    const dispatcher = createAlertDispatcher({ db: h.db, events: h.events, clock: clock.now, log: () => {}, rulesTtlMs: 0 });
    dispatcher.start();
    try {
      const bad = await h.admin('POST', '/api/v1/alerts', { name: 'x', on: 'analysis', url: receiver.url });
      expect(bad.status).toBe(400);
      const created = await h.admin('POST', '/api/v1/alerts', {
        name: 'severe bugs',
        on: 'analysis',
        min_severity: 'high',
        url: `${receiver.url}/hook`,
      });
      expect(created.status, await created.clone().text()).toBe(201);
      expect(createdAlertRuleSchema.parse(await created.json())).toMatchObject({ on: 'analysis', min_severity: 'high' });

      let critical = 0;
      model.script((request) => ({
        content: JSON.stringify({
          analyses: request.bugIds.map((id) => goodItem(id, { severity: id === critical ? 'critical' : 'low' })),
        }),
      }));
      const w = worker();
      const [first, low] = await newBugs(2);
      critical = first;
      await w.idle();
      await dispatcher.idle();

      const analysed = receiver.received
        .map((delivery) => JSON.parse(delivery.body) as { on: string; bug: { id: number }; analysis?: { severity: string } })
        .filter((payload) => payload.on === 'analysis');
      expect(analysed.map((payload) => payload.bug.id)).toEqual([critical]);
      expect(analysed[0].analysis?.severity).toBe('critical');
      expect(analysed.some((payload) => payload.bug.id === low)).toBe(false);
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
  });
});
