import { parseStack, relativeToRoot, topInAppFrame } from './stack.ts';
import { toJsonObject } from './serialize.ts';

const maxCauses = 5;

export type ErrorDetails = {
  errorType: string;
  message: string;
  stackTrace?: string;
  filePath?: string;
  lineNumber?: number;
  extra: Record<string, unknown>;
};

function errorType(error: Error): string {
  const name = typeof error.name === 'string' && error.name ? error.name : 'Error';
  if (name !== 'Error') return name;
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === 'string' && constructorName !== '' && constructorName !== 'Object' ? constructorName : name;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(toJsonObject({ value }).value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The error's own stack, then each `cause` as Node prints it, without looping on cycles. */
export function stackWithCauses(error: Error): string {
  const parts = [typeof error.stack === 'string' ? error.stack : `${errorType(error)}: ${error.message}`];
  const seen = new Set<unknown>([error]);
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < maxCauses && !seen.has(cause); depth++) {
    seen.add(cause);
    if (cause instanceof Error) {
      parts.push(`Caused by: ${typeof cause.stack === 'string' ? cause.stack : `${errorType(cause)}: ${cause.message}`}`);
      cause = cause.cause;
    } else {
      parts.push(`Caused by: ${describe(cause)}`);
      break;
    }
  }
  return parts.join('\n');
}

/** Everything the server needs from a thrown value: type, message, stack and the throwing line. */
export function errorDetails(thrown: unknown, appRoot: string, stackStart?: Function): ErrorDetails {
  if (!(thrown instanceof Error)) {
    const frames = parseStack(callerStack(stackStart));
    return { errorType: 'NonError', message: describe(thrown), ...location(frames, appRoot), extra: { thrown_type: typeof thrown } };
  }
  const extra: Record<string, unknown> = {};
  const code = (thrown as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') extra.error_code = code;
  return {
    errorType: errorType(thrown),
    message: typeof thrown.message === 'string' ? thrown.message : describe(thrown.message),
    stackTrace: stackWithCauses(thrown),
    ...location(parseStack(thrown.stack), appRoot),
    extra,
  };
}

export function location(frames: ReturnType<typeof parseStack>, appRoot: string): { filePath?: string; lineNumber?: number } {
  const top = topInAppFrame(frames);
  return top ? { filePath: relativeToRoot(top.file, appRoot), lineNumber: top.line } : {};
}

/** The stack of whoever called `stackStart`, without the SDK's own frames. */
export function callerStack(stackStart?: Function): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, stackStart);
  return holder.stack;
}
