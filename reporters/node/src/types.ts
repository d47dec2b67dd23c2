import type { ReportInput } from '../../../server/src/schemas/report.ts';

/** The report as the server's `POST /api/v1/logs/report/batch` takes it. */
export type Report = ReportInput;

export type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL' | 'debug' | 'info' | 'warning' | 'warn' | 'error' | 'critical' | 'fatal';

export type CaptureContext = {
  level?: Level;
  tags?: Record<string, string | number | boolean>;
  /** Free-form data stored with the occurrence (request ids, user ids…). */
  context?: Record<string, unknown>;
  /** Grouping override; `{{ default }}` stands for the default parts. */
  fingerprint?: string[];
};

export type InitOptions = {
  /** Log Center base URL; defaults to LOG_CENTER_URL. */
  url?: string;
  /** Ingest key; defaults to LOG_CENTER_API_KEY. */
  apiKey?: string;
  /** Needed with an all-project key; a project key implies its project. */
  projectId?: string;
  environment?: string;
  release?: string;
  /** File paths are reported relative to this directory (default: the working directory). */
  appRoot?: string;
  /** Report uncaught exceptions, then exit like Node would (default true). */
  captureUncaughtExceptions?: boolean;
  /** Report unhandled rejections, then behave like Node's `--unhandled-rejections` mode (default true). */
  captureUnhandledRejections?: boolean;
  /** Reports kept in memory while the server is slow or down; the oldest are dropped (default 1000). */
  maxQueueSize?: number;
  /** Reports per request (default 50, at most 100). */
  batchSize?: number;
  flushIntervalMs?: number;
  requestTimeoutMs?: number;
  /** Attempts per batch on network errors, 429 and 5xx before it is dropped (default 8). */
  maxAttempts?: number;
  tags?: Record<string, string | number | boolean>;
  context?: Record<string, unknown>;
  /** Last look at a report; return null to drop it. */
  beforeSend?: (report: Report) => Report | null | undefined;
  /** Called with the SDK's own problems (never thrown). */
  onError?: (error: unknown) => void;
  /** For tests and proxies: a fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
  enabled?: boolean;
};

export type ClientStats = {
  queued: number;
  sent: number;
  dropped: number;
  rejected: number;
  failed: number;
};
