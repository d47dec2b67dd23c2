export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const windowMs = 60_000;

/** Events per project per minute in fixed windows; per process, 0 means unlimited. */
export function createRateLimiter(limitPerMinute: number, now: () => number) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key: string, count = 1): RateDecision {
      if (limitPerMinute <= 0) return { allowed: true };
      const time = now();
      const start = Math.floor(time / windowMs) * windowMs;
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (w.start < start) windows.delete(k);
      }
      let current = windows.get(key);
      if (!current || current.start !== start) {
        current = { start, count: 0 };
        windows.set(key, current);
      }
      if (current.count + count > limitPerMinute) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - time) / 1000)) };
      }
      current.count += count;
      return { allowed: true };
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
