import { inspect } from 'node:util';
import { callerStack, errorDetails, location } from './error-report.ts';
import { toJsonObject } from './serialize.ts';
import { parseStack } from './stack.ts';
import type { CaptureContext, ClientStats, InitOptions, Level, Report } from './types.ts';

type Pending = { report: Report; attempts: number };

const maxBatch = 100;
const maxRetryDelayMs = 10 * 60_000;
const fatalFlushMs = 2000;

/** Seconds or an HTTP date, as servers send in `Retry-After`. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, maxRetryDelayMs);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), maxRetryDelayMs);
}

const backoffMs = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 30_000) * (0.8 + Math.random() * 0.4);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Waits for `promise` at most `ms`, without leaving a timer that keeps the process alive. */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}

function unhandledRejectionsMode(): string {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const flag of flags.reverse()) {
    const match = /^--unhandled-rejections=(\S+)$/.exec(flag);
    if (match) return match[1];
  }
  return 'throw';
}

export class LogCenterClient {
  private readonly queue: Pending[] = [];
  private readonly counters = { sent: 0, dropped: 0, rejected: 0, failed: 0 };
  private droppedSinceReport = 0;
  private inFlight: Promise<void> | undefined;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private fatal = false;
  private exitFlushed = false;
  private readonly listeners: [string, (...args: never[]) => void][] = [];
  private readonly endpoint: string | undefined;
  private readonly apiKey: string;
  private readonly appRoot: string;
  private readonly maxQueueSize: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly requestTimeoutMs: number;
  private readonly fetchImpl: typeof fetch | undefined;

  constructor(private readonly options: InitOptions = {}) {
    this.apiKey = options.apiKey ?? process.env.LOG_CENTER_API_KEY ?? '';
    this.appRoot = options.appRoot ?? process.cwd();
    this.maxQueueSize = Math.max(1, Math.floor(options.maxQueueSize ?? 1000));
    this.batchSize = Math.min(maxBatch, Math.max(1, Math.floor(options.batchSize ?? 50)));
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 8));
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.endpoint = this.resolveEndpoint(options.url ?? process.env.LOG_CENTER_URL);
    if (options.enabled === false || !this.endpoint || !this.apiKey) {
      if (options.enabled !== false) this.report(new Error('Log Center SDK disabled: set url and apiKey (or LOG_CENTER_URL and LOG_CENTER_API_KEY)'));
      this.closed = true;
      return;
    }
    this.timer = setInterval(() => this.tick(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
    if (options.captureUncaughtExceptions !== false) this.listen('uncaughtException', (error: unknown) => this.onUncaught(error));
    if (options.captureUnhandledRejections !== false) this.listen('unhandledRejection', (reason: unknown) => this.onUnhandledRejection(reason));
    // Timers are unref'd so the SDK never keeps an app alive; send what is left when the app winds down.
    // Once per batch of new reports: a dead server must not keep the process alive forever.
    this.listen('beforeExit', () => {
      if (this.exitFlushed || this.queue.length === 0 || this.inFlight) return;
      this.exitFlushed = true;
      void this.flush(fatalFlushMs);
    });
  }

  /** Reports an error (or any thrown value); false when it was not queued. Never throws. */
  captureException(error: unknown, context: CaptureContext = {}, stackStart?: Function): boolean {
    try {
      const details = errorDetails(error, this.appRoot, stackStart ?? this.captureException);
      return this.enqueue({
        level: context.level ?? 'ERROR',
        error_type: details.errorType,
        message: details.message,
        stack_trace: details.stackTrace,
        file_path: details.filePath,
        line_number: details.lineNumber,
        ...this.common(context, details.extra),
      });
    } catch (failure) {
      this.report(failure);
      return false;
    }
  }

  /** Reports a message from the calling line; false when it was not queued. Never throws. */
  captureMessage(message: string, level: Level = 'INFO', context: CaptureContext = {}, stackStart?: Function): boolean {
    try {
      const stack = callerStack(stackStart ?? this.captureMessage);
      const where = location(parseStack(stack), this.appRoot);
      return this.enqueue({
        level: context.level ?? level,
        error_type: 'Message',
        message: String(message),
        file_path: where.filePath,
        line_number: where.lineNumber,
        ...this.common(context, {}),
      });
    } catch (failure) {
      this.report(failure);
      return false;
    }
  }

  stats(): ClientStats {
    return { queued: this.queue.length, ...this.counters };
  }

  /** Sends everything queued; true when the queue emptied within the time (delivered, or refused by the server). */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const pending = this.inFlight;
        if (pending) {
          await waitAtMost(pending, deadline - Date.now());
          if (this.inFlight === pending && Date.now() >= deadline) return false;
          continue;
        }
        if (this.queue.length === 0 && this.droppedSinceReport === 0) return true;
        if (!this.endpoint || Date.now() >= deadline) return false;
        if (this.retryAt > Date.now()) {
          if (this.retryAt >= deadline) return false;
          await sleep(this.retryAt - Date.now());
          continue;
        }
        this.send();
      }
    } catch (failure) {
      this.report(failure);
      return false;
    }
  }

  /** Flushes, then stops the timer and removes the process handlers; later captures are ignored. */
  async close(timeoutMs = 5000): Promise<boolean> {
    const delivered = this.closed ? this.queue.length === 0 : await this.flush(timeoutMs);
    this.closed = true;
    clearInterval(this.timer);
    for (const [event, listener] of this.listeners) process.off(event, listener as (...args: unknown[]) => void);
    this.listeners.length = 0;
    return delivered;
  }

  private resolveEndpoint(url: string | undefined): string | undefined {
    if (!url) return undefined;
    try {
      const base = new URL(url);
      base.pathname = `${base.pathname.replace(/\/+$/, '')}/api/v1/logs/report/batch`;
      return base.toString();
    } catch (failure) {
      this.report(failure);
      return undefined;
    }
  }

  private common(context: CaptureContext, extra: Record<string, unknown>): Partial<Report> {
    const tags = { ...this.options.tags, ...context.tags };
    const merged = toJsonObject({ ...this.options.context, ...extra, ...context.context });
    return {
      project_id: this.options.projectId,
      source: 'runtime',
      environment: this.options.environment,
      release: this.options.release,
      timestamp: new Date().toISOString(),
      fingerprint: context.fingerprint?.length ? context.fingerprint.map(String) : undefined,
      tags: Object.keys(tags).length > 0 ? (toJsonObject(tags) as Record<string, string>) : undefined,
      context: Object.keys(merged).length > 0 ? merged : undefined,
    };
  }

  private enqueue(report: Report): boolean {
    if (this.closed) return false;
    let final: Report | null | undefined = report;
    if (this.options.beforeSend) {
      try {
        final = this.options.beforeSend(report);
      } catch (failure) {
        this.report(failure);
      }
      if (!final) return false;
    }
    this.queue.push({ report: final, attempts: 0 });
    this.exitFlushed = false;
    this.trim();
    if (this.queue.length >= this.batchSize) this.send();
    return true;
  }

  /** Bounded memory: the oldest reports go first, and the count is reported once there is room. */
  private trim() {
    while (this.queue.length > this.maxQueueSize) {
      this.queue.shift();
      this.counters.dropped += 1;
      this.droppedSinceReport += 1;
    }
  }

  private tick() {
    if (this.queue.length > 0 || this.droppedSinceReport > 0) this.send();
  }

  private send() {
    if (this.inFlight || !this.endpoint || Date.now() < this.retryAt) return;
    this.inFlight = this.sendBatch()
      .catch((failure) => this.report(failure))
      .finally(() => {
        this.inFlight = undefined;
        if (this.queue.length >= this.batchSize && !this.closed) this.send();
      });
  }

  private async sendBatch(): Promise<void> {
    if (this.droppedSinceReport > 0) {
      // One report over the bound, so announcing the loss does not itself drop a report.
      this.queue.unshift({ report: this.droppedReport(this.droppedSinceReport), attempts: 0 });
      this.droppedSinceReport = 0;
    }
    const batch = this.queue.splice(0, this.batchSize);
    if (batch.length === 0 || !this.endpoint || !this.fetchImpl) return;
    let response: Response;
    try {
      response = await this.fetchImpl(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
        body: JSON.stringify({ reports: batch.map((item) => item.report) }),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (failure) {
      this.retry(batch, null);
      this.report(failure);
      return;
    }
    const status = response.status;
    if (status === 429 || status === 408 || status >= 500) {
      this.retry(batch, response.headers.get('retry-after'));
      await response.body?.cancel().catch(() => {});
      this.report(new Error(`Log Center answered ${status}; retrying`));
      return;
    }
    const text = await response.text().catch(() => '');
    this.retryAt = 0;
    if (status !== 200) {
      this.counters.rejected += batch.length;
      this.report(new Error(`Log Center refused ${batch.length} reports: ${status} ${text.slice(0, 500)}`));
      return;
    }
    let rejected = 0;
    try {
      rejected = Number((JSON.parse(text) as { rejected?: number }).rejected ?? 0);
    } catch {
      // a 200 without the batch body still means the server took the request
    }
    this.counters.rejected += rejected;
    this.counters.sent += batch.length - rejected;
    if (rejected > 0) this.report(new Error(`Log Center rejected ${rejected} of ${batch.length} reports: ${text.slice(0, 500)}`));
  }

  private retry(batch: Pending[], retryAfter: string | null) {
    const keep = batch.filter((item) => ++item.attempts < this.maxAttempts);
    this.counters.failed += batch.length - keep.length;
    this.queue.unshift(...keep);
    this.trim();
    const attempt = Math.max(1, ...batch.map((item) => item.attempts));
    this.retryAt = Date.now() + (retryAfterMs(retryAfter) ?? backoffMs(attempt));
  }

  private droppedReport(count: number): Report {
    return {
      project_id: this.options.projectId,
      source: 'runtime',
      level: 'WARNING',
      error_type: 'LogCenterReportsDropped',
      message: `The Log Center SDK dropped ${count} reports: its queue (max ${this.maxQueueSize}) was full`,
      environment: this.options.environment,
      release: this.options.release,
      timestamp: new Date().toISOString(),
      fingerprint: ['log-center-sdk', 'reports-dropped'],
      context: { dropped: count, max_queue_size: this.maxQueueSize },
    };
  }

  private listen(event: string, listener: (...args: never[]) => void) {
    process.on(event as 'beforeExit', listener as () => void);
    this.listeners.push([event, listener]);
  }

  private onUncaught(error: unknown) {
    this.captureException(error, { level: 'CRITICAL', context: { mechanism: 'uncaughtException', handled: false } });
    // Another handler means the app decided what an uncaught exception does; keep out of it.
    if (process.listenerCount('uncaughtException') > 1) return void this.flush(fatalFlushMs);
    this.exitLikeNode(error);
  }

  private onUnhandledRejection(reason: unknown) {
    this.captureException(reason, { level: 'CRITICAL', context: { mechanism: 'unhandledRejection', handled: false } });
    if (process.listenerCount('unhandledRejection') > 1) return void this.flush(fatalFlushMs);
    const mode = unhandledRejectionsMode();
    if (mode === 'none') return;
    if (mode === 'warn' || mode === 'warn-with-error-code') {
      process.emitWarning(`Unhandled promise rejection: ${inspect(reason)}`, 'UnhandledPromiseRejectionWarning');
      if (mode === 'warn-with-error-code') process.exitCode = 1;
      return;
    }
    this.exitLikeNode(reason);
  }

  /** Node's default for a fatal error: print it and exit with code 1; first, send the report. */
  private exitLikeNode(error: unknown) {
    if (this.fatal) return;
    this.fatal = true;
    const exit = () => {
      try {
        process.stderr.write(`${inspect(error)}\n\nNode.js ${process.version}\n`);
      } finally {
        process.exit(1);
      }
    };
    this.flush(fatalFlushMs).then(exit, exit);
  }

  private report(failure: unknown) {
    try {
      this.options.onError?.(failure);
    } catch {
      // the SDK's own diagnostics must not throw into the app either
    }
  }
}
