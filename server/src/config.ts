import { z } from 'zod';
import { parseScrubPatterns } from './scrub/patterns-config.ts';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const configSchema = z.object({
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  LOG_CENTER_DATA_DIR: z.string().min(1).default('./data'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_CENTER_ADMIN_TOKEN: optionalString.pipe(
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  LOG_CENTER_PUBLIC_URL: optionalString.pipe(z.url().optional()),
  LOG_CENTER_MAX_MESSAGE_LENGTH: z.coerce.number().int().min(256).max(1_048_576).default(8192),
  LOG_CENTER_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  LOG_CENTER_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  LOG_CENTER_MAX_OCCURRENCES_PER_BUG: z.coerce.number().int().min(1).max(10_000_000).default(1000),
  LOG_CENTER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  LOG_CENTER_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(20),
  LOG_CENTER_SCRUB_PATTERNS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      try {
        return parseScrubPatterns(raw);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  LOG_CENTER_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  LOG_CENTER_INGEST_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  LOG_CENTER_INGEST_WAIT_MS: z.coerce.number().min(0).max(1000).default(2),
  LOG_CENTER_INGEST_MAX_PENDING: z.coerce.number().int().min(1).default(20_000),
  LOG_CENTER_INGEST_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(2),
  LOG_CENTER_LLM_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  LOG_CENTER_LLM_API_KEY: optionalString,
  LOG_CENTER_LLM_MODEL: optionalString,
  LOG_CENTER_LLM_BATCH: z.coerce.number().int().min(1).max(50).default(10),
  LOG_CENTER_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(120_000),
  LOG_CENTER_LLM_MAX_PER_HOUR: z.coerce.number().int().min(1).default(200),
}).refine((env) => !env.LOG_CENTER_LLM_URL || env.LOG_CENTER_LLM_MODEL, {
  path: ['LOG_CENTER_LLM_MODEL'],
  message: 'is required when LOG_CENTER_LLM_URL is set',
});

export type Config = {
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  adminToken: string | undefined;
  publicUrl: string | undefined;
  maxMessageLength: number;
  maxBodyBytes: number;
  retentionDays: number;
  maxOccurrencesPerBug: number;
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  scrubPatterns: RegExp[];
  dbPoolSize: number;
  ingest: { maxBatch: number; maxWaitMs: number; maxPending: number; maxInFlight: number };
  /** Bug analysis by a language model; undefined (off) unless LOG_CENTER_LLM_URL is set. */
  llm: LlmConfig | undefined;
};

export type LlmConfig = {
  /** The full `…/v1/chat/completions` URL. */
  url: string;
  apiKey: string | undefined;
  model: string;
  batch: number;
  timeoutMs: number;
  /** Bugs sent to the model per rolling hour, across replicas. */
  maxPerHour: number;
};

/** Accepts a server root (`http://localhost:11434`), its `/v1`, or the full chat completions URL. */
export function chatCompletionsUrl(base: string): string {
  const url = base.replace(/\/+$/, '');
  if (url.endsWith('/chat/completions')) return url;
  return url.endsWith('/v1') ? `${url}/chat/completions` : `${url}/v1/chat/completions`;
}

export class ConfigError extends Error {}

/** Parses the environment once; every other module receives the result. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.LOG_CENTER_DATA_DIR,
    host: e.HOST,
    port: e.PORT,
    adminToken: e.LOG_CENTER_ADMIN_TOKEN,
    publicUrl: e.LOG_CENTER_PUBLIC_URL?.replace(/\/+$/, ''),
    maxMessageLength: e.LOG_CENTER_MAX_MESSAGE_LENGTH,
    maxBodyBytes: e.LOG_CENTER_MAX_BODY_BYTES,
    retentionDays: e.LOG_CENTER_RETENTION_DAYS,
    maxOccurrencesPerBug: e.LOG_CENTER_MAX_OCCURRENCES_PER_BUG,
    rateLimitPerMinute: e.LOG_CENTER_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.LOG_CENTER_AUTH_FAILURES_PER_MINUTE,
    scrubPatterns: e.LOG_CENTER_SCRUB_PATTERNS,
    dbPoolSize: e.LOG_CENTER_DB_POOL_SIZE,
    ingest: {
      maxBatch: e.LOG_CENTER_INGEST_MAX_BATCH,
      maxWaitMs: e.LOG_CENTER_INGEST_WAIT_MS,
      maxPending: e.LOG_CENTER_INGEST_MAX_PENDING,
      maxInFlight: e.LOG_CENTER_INGEST_MAX_IN_FLIGHT,
    },
    llm: e.LOG_CENTER_LLM_URL
      ? {
          url: chatCompletionsUrl(e.LOG_CENTER_LLM_URL),
          apiKey: e.LOG_CENTER_LLM_API_KEY,
          model: e.LOG_CENTER_LLM_MODEL as string,
          batch: e.LOG_CENTER_LLM_BATCH,
          timeoutMs: e.LOG_CENTER_LLM_TIMEOUT_MS,
          maxPerHour: e.LOG_CENTER_LLM_MAX_PER_HOUR,
        }
      : undefined,
  };
}
