// What the alert dispatcher and the analysis worker share about calling other services.

/** Backoff after `attempts` failed tries: base, 2×base, 4×base… capped; a `Retry-After` of the receiver wins when longer. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number, retryAfterMs?: number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return retryAfterMs !== undefined ? Math.min(maxMs, Math.max(exponential, retryAfterMs)) : exponential;
}

/** A `Retry-After` header (seconds or an HTTP date) in milliseconds. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** 408 and 429 are the receiver asking to come back later; other 4xx will not heal by retrying. */
export const retryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

/** An answer other than 2xx, as one line: the status and the start of the body. */
export const describeStatus = (status: number, body: string) => `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;

/** `fetch failed` alone helps nobody: name the cause (ECONNREFUSED, a TLS error, a timeout). */
export function describeFailure(failure: unknown, timeoutMs: number): string {
  const error = failure as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error.cause?.code ?? error.cause?.message;
  return cause ? `${error.message} (${cause})` : String(error.message ?? failure);
}
