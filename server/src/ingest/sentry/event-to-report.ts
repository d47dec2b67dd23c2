import { createHash } from 'node:crypto';
import type { ReportInput } from '../../schemas/report.ts';
import { levelSchema } from '../../schemas/report.ts';
import { normalizeMessage } from '../fingerprint.ts';
import type { SentryEvent, SentryException, SentryFrame } from './event-schema.ts';

const defaultMarker = /^\{\{\s*default\s*\}\}$/;
const notInApp = /(^|[\\/])node_modules[\\/]|^node:|^internal[\\/]|^<anonymous>$|^\[native code\]$/;
const maxFingerprintParts = 32;
const maxBreadcrumbs = 30;

const frameFile = (frame: SentryFrame) => frame.filename ?? frame.abs_path;

/** Frames the SDK marked in-app; when it marked none, everything outside dependencies and the runtime. */
export function inAppFrames(frames: SentryFrame[]): SentryFrame[] {
  const marked = frames.filter((frame) => frame.in_app === true);
  if (marked.length > 0) return marked;
  return frames.filter((frame) => {
    const file = frameFile(frame);
    return frame.in_app !== false && file !== undefined && !notInApp.test(file);
  });
}

const framesOf = (exception: SentryException | undefined) => exception?.stacktrace?.frames ?? [];

/** A URL's path (browsers report `https://host/assets/app.js?v=3`), or the path as sent. */
function displayPath(file: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return file;
  try {
    return new URL(file).pathname;
  } catch {
    return file;
  }
}

function basename(file: string): string {
  const path = displayPath(file);
  return path.slice(path.search(/[^\\/]*$/));
}

export function messageText(event: SentryEvent): string {
  const { logentry, message } = event;
  if (logentry?.formatted || logentry?.message) return logentry.formatted ?? logentry.message ?? '';
  if (typeof message === 'string') return message;
  return message?.formatted ?? message?.message ?? '';
}

// captureMessage with attachStacktrace sends a "synthetic" exception: only a carrier for the stack.
const isSynthetic = (exception: SentryException) => exception.mechanism?.synthetic === true && !exception.type;
const realExceptions = (event: SentryEvent) => (event.exception ?? []).filter((exception) => !isSynthetic(exception));
const titleText = (event: SentryEvent) => messageText(event) || event.exception?.find(isSynthetic)?.value || '';

/** Sentry's grouping: exception types plus in-app frames (module or file basename and function), no lines. */
export function defaultGroupingParts(event: SentryEvent): string[] {
  const exceptions = realExceptions(event);
  if (exceptions.length > 0) {
    const parts = ['exception'];
    for (const exception of exceptions) {
      const frames = framesOf(exception);
      const chosen = inAppFrames(frames).length > 0 ? inAppFrames(frames) : frames;
      parts.push(exception.type ?? exception.mechanism?.type ?? 'Error');
      if (chosen.length === 0) parts.push(normalizeMessage(exception.value ?? ''));
      for (const frame of chosen) {
        const file = frameFile(frame);
        parts.push(`${frame.module ?? (file ? basename(file) : '?')}:${frame.function ?? '?'}`);
      }
    }
    return parts;
  }
  return ['message', normalizeMessage(titleText(event))];
}

/**
 * The parts handed to the core as the report's `fingerprint`. The default grouping is
 * hashed into one part because a deep stack would exceed the report's part limits.
 */
export function groupingFingerprint(event: SentryEvent): string[] {
  const digest = createHash('sha256').update(defaultGroupingParts(event).join('\n')).digest('hex');
  const defaultPart = `sentry:${digest}`;
  const custom = (event.fingerprint ?? []).filter((part) => part.trim() !== '');
  if (custom.length === 0) return [defaultPart];
  return custom.map((part) => (defaultMarker.test(part.trim()) ? defaultPart : part)).slice(0, maxFingerprintParts);
}

function renderFrame(frame: SentryFrame): string {
  const file = frameFile(frame) ?? frame.module ?? '<unknown>';
  const position = frame.lineno === undefined ? '' : `:${frame.lineno}${frame.colno === undefined ? '' : `:${frame.colno}`}`;
  return `    at ${frame.function ?? '<anonymous>'} (${file}${position})`;
}

/** V8-style text, outermost exception first and its causes after it, innermost frame first. */
export function renderStackTrace(exceptions: SentryException[]): string | undefined {
  if (exceptions.length === 0) return undefined;
  const blocks = [...exceptions].reverse().map((exception, i) => {
    const title = [exception.type, exception.value].filter(Boolean).join(': ') || 'Error';
    const frames = [...framesOf(exception)].reverse().map(renderFrame);
    return [`${i === 0 ? '' : 'Caused by: '}${title}`, ...frames].join('\n');
  });
  return blocks.join('\n');
}

function timestampOf(value: number | string | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

const levelOf = (level: string | undefined) => (level && levelSchema.safeParse(level).success ? level : 'error');

const defined = (value: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined && item !== ''));

function tagsOf(tags: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** Maps a Sentry event to a Log Center runtime report, so both are identical downstream. */
export function eventToReport(event: SentryEvent, eventId: string): ReportInput {
  const exceptions = realExceptions(event);
  const main = exceptions.at(-1);
  const frames = framesOf(main ?? event.exception?.at(-1));
  const top = inAppFrames(frames).at(-1);
  const topFile = top && frameFile(top);
  const message = main ? (main.value ?? messageText(event)) : titleText(event);
  const sdk = event.sdk?.name ? `${event.sdk.name}${event.sdk.version ? `/${event.sdk.version}` : ''}` : undefined;

  return {
    source: 'runtime',
    level: levelOf(event.level),
    error_type: main ? (main.type ?? main.mechanism?.type ?? 'Error') : 'Message',
    message: message || main?.type || '',
    stack_trace: renderStackTrace(event.exception ?? []),
    file_path: topFile ? displayPath(topFile) : undefined,
    line_number: topFile ? top.lineno : undefined,
    environment: event.environment?.trim() || undefined,
    release: event.release || undefined,
    timestamp: timestampOf(event.timestamp),
    fingerprint: groupingFingerprint(event),
    tags: tagsOf(event.tags),
    context: defined({
      sentry: defined({
        event_id: eventId,
        platform: event.platform,
        logger: event.logger,
        transaction: event.transaction,
        server_name: event.server_name,
        dist: event.dist,
        sdk,
        handled: main?.mechanism?.handled,
      }),
      user: event.user,
      request: event.request && defined({ url: event.request.url, method: event.request.method }),
      contexts: event.contexts,
      extra: event.extra,
      breadcrumbs: event.breadcrumbs?.slice(-maxBreadcrumbs),
    }),
  };
}
