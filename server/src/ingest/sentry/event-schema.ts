import { z } from 'zod';

// Lenient on purpose: SDKs of every language and age send these, and one odd field
// must not cost the whole event. Anything malformed is dropped, not rejected.
const optional = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const text = optional(z.string());
const record = optional(z.record(z.string(), z.unknown()));

export const sentryFrameSchema = z.object({
  filename: text,
  abs_path: text,
  module: text,
  function: text,
  lineno: optional(z.number().int().min(0)),
  colno: optional(z.number().int().min(0)),
  in_app: optional(z.boolean()),
});

const stacktraceSchema = optional(z.object({ frames: optional(z.array(sentryFrameSchema.catch({}))) }));

export const sentryExceptionSchema = z.object({
  type: text,
  value: text,
  module: text,
  mechanism: optional(z.object({ type: text, handled: optional(z.boolean()), synthetic: optional(z.boolean()) })),
  stacktrace: stacktraceSchema,
});

const exceptionList = z.array(sentryExceptionSchema.catch({}));

const messageSchema = z.union([z.string(), z.object({ formatted: text, message: text })]);

export const sentryEventSchema = z.object({
  event_id: text,
  timestamp: optional(z.union([z.number(), z.string()])),
  platform: text,
  level: text,
  logger: text,
  transaction: text,
  server_name: text,
  release: optional(z.union([z.string(), z.number()]).transform(String)),
  dist: text,
  environment: text,
  message: optional(messageSchema),
  logentry: optional(z.object({ formatted: text, message: text })),
  exception: optional(z.union([z.object({ values: optional(exceptionList) }).transform((e) => e.values ?? []), exceptionList])),
  fingerprint: optional(z.array(z.union([z.string(), z.number()]).transform(String))),
  tags: optional(
    z.union([
      z.record(z.string(), z.unknown()),
      z.array(z.tuple([z.string(), z.unknown()])).transform((pairs) => Object.fromEntries(pairs)),
    ]),
  ),
  extra: record,
  user: record,
  contexts: record,
  request: optional(z.object({ url: text, method: text, query_string: optional(z.unknown()) })),
  breadcrumbs: optional(
    z.union([z.array(z.unknown()), z.object({ values: optional(z.array(z.unknown())) }).transform((b) => b.values ?? [])]),
  ),
  sdk: optional(z.object({ name: text, version: text })),
});

export type SentryEvent = z.output<typeof sentryEventSchema>;
export type SentryFrame = z.output<typeof sentryFrameSchema>;
export type SentryException = z.output<typeof sentryExceptionSchema>;

export const sentryResponseSchema = z.object({ id: z.string().nullable() });
