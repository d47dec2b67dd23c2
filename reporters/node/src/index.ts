import { LogCenterClient } from './client.ts';
import type { CaptureContext, InitOptions, Level } from './types.ts';

export { LogCenterClient, retryAfterMs } from './client.ts';
export { parseStack, relativeToRoot, type StackFrame } from './stack.ts';
export type { CaptureContext, ClientStats, InitOptions, Level, Report } from './types.ts';

let current: LogCenterClient | undefined;

/** Starts the default client (replacing an earlier one) and installs the process handlers. */
export function init(options: InitOptions = {}): LogCenterClient {
  const previous = current;
  current = new LogCenterClient(options);
  if (previous) void previous.close(0);
  return current;
}

export function getClient(): LogCenterClient | undefined {
  return current;
}

export function captureException(error: unknown, context?: CaptureContext): boolean {
  return current?.captureException(error, context, captureException) ?? false;
}

export function captureMessage(message: string, level?: Level, context?: CaptureContext): boolean {
  return current?.captureMessage(message, level, context, captureMessage) ?? false;
}

export function flush(timeoutMs?: number): Promise<boolean> {
  return current?.flush(timeoutMs) ?? Promise.resolve(true);
}

export async function close(timeoutMs?: number): Promise<boolean> {
  const client = current;
  current = undefined;
  return client ? client.close(timeoutMs) : true;
}
