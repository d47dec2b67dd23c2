import http from 'node:http';
import https from 'node:https';
import type { ReportInput } from '../../server/src/schemas/report.ts';
import { batchResultSchema, maxBatchSize } from '../../server/src/schemas/report.ts';

export type SenderOptions = {
  url: string;
  apiKey: string;
  /** Attempts per request, the first included; only 429, 503 and network errors are retried. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Bodies stay under the server's default 1 MiB limit. */
  maxBodyBytes?: number;
  /** Defaults to node:http(s); the global fetch fits too. */
  fetch?: Transport;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
};

export type TransportResponse = {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
};
export type Transport = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<TransportResponse>;

/**
 * POST through node:http. Node's fetch (undici) costs a small reporter about 30 MiB of RSS and a second
 * of CPU on first use, which matters inside a 128Mi CronJob.
 */
export const nodeTransport: Transport = (url, init) =>
  new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.request(url, { method: init.method, headers: init.headers, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          headers: { get: (name) => [res.headers[name.toLowerCase()] ?? null].flat()[0] ?? null },
          text: async () => text,
          json: async () => JSON.parse(text),
        });
      });
    });
    request.on('error', reject);
    request.end(init.body);
  });

export type Rejection = { index: number; status: number; code: string; message: string };
export type SendResult = { accepted: number; rejected: Rejection[] };

export class SendError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Splits reports into batches of at most `maxBatchSize` items and `maxBytes` of JSON. */
export function chunkReports(reports: ReportInput[], maxBytes: number): { start: number; items: ReportInput[] }[] {
  const chunks: { start: number; items: ReportInput[] }[] = [];
  let current: ReportInput[] = [];
  let start = 0;
  let bytes = 20;
  reports.forEach((report, index) => {
    const size = Buffer.byteLength(JSON.stringify(report)) + 1;
    if (current.length > 0 && (current.length >= maxBatchSize || bytes + size > maxBytes)) {
      chunks.push({ start, items: current });
      current = [];
      start = index;
      bytes = 20;
    }
    current.push(report);
    bytes += size;
  });
  if (current.length > 0) chunks.push({ start, items: current });
  return chunks;
}

/** Sends reports to `POST /api/v1/logs/report/batch`, retrying what the server asks to retry. */
export async function sendReports(reports: ReportInput[], options: SenderOptions): Promise<SendResult> {
  const doFetch = options.fetch ?? nodeTransport;
  const sleep = options.sleep ?? defaultSleep;
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const endpoint = `${options.url.replace(/\/+$/, '')}/api/v1/logs/report/batch`;
  const result: SendResult = { accepted: 0, rejected: [] };

  for (const chunk of chunkReports(reports, options.maxBodyBytes ?? 900_000)) {
    const body = JSON.stringify({ reports: chunk.items });
    for (let attempt = 1; ; attempt++) {
      let retryReason: string;
      let delay = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
      try {
        const res = await doFetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
        if (res.ok) {
          const parsed = batchResultSchema.parse(await res.json());
          result.accepted += parsed.accepted;
          for (const item of parsed.results) {
            if ('error' in item) {
              result.rejected.push({ index: chunk.start + item.index, status: item.status, ...item.error });
            }
          }
          break;
        }
        const text = await res.text();
        if (res.status !== 429 && res.status !== 503) {
          throw new SendError(`Log Center answered ${res.status}: ${text.slice(0, 300)}`, res.status);
        }
        retryReason = `HTTP ${res.status}`;
        delay = Math.min(maxDelay, retryAfterMs(res.headers.get('retry-after')) ?? delay);
      } catch (error) {
        if (error instanceof SendError) throw error;
        if (error instanceof Error && (error.name === 'ZodError' || error.name === 'SyntaxError')) {
          throw new SendError(`unexpected answer from Log Center: ${error.message}`, null);
        }
        retryReason = error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error);
      }
      if (attempt >= maxAttempts) {
        throw new SendError(`giving up after ${attempt} attempts: ${retryReason}`, null);
      }
      options.onRetry?.({ attempt, delayMs: delay, reason: retryReason });
      await sleep(delay);
    }
  }
  return result;
}
