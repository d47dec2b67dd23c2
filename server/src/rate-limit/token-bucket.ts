type Bucket = { tokens: number; capacity: number; updated: number };

const maxBuckets = 10_000;

/**
 * Token buckets holding at most one minute's worth and refilling continuously, so a
 * client may burst up to its limit and then sends at the steady rate.
 */
export function createTokenBuckets(now: () => number) {
  const buckets = new Map<string, Bucket>();

  function current(key: string, perMinute: number, time: number): Bucket {
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= maxBuckets) prune(time);
      bucket = { tokens: perMinute, capacity: perMinute, updated: time };
      buckets.set(key, bucket);
    }
    if (bucket.capacity !== perMinute) {
      bucket.tokens = Math.min(bucket.tokens, perMinute);
      bucket.capacity = perMinute;
    }
    const elapsed = Math.max(0, time - bucket.updated);
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (elapsed * perMinute) / 60_000);
    bucket.updated = time;
    return bucket;
  }

  // Full buckets carry no state worth keeping.
  function prune(time: number) {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + ((time - bucket.updated) * bucket.capacity) / 60_000 >= bucket.capacity) buckets.delete(key);
    }
    if (buckets.size >= maxBuckets) buckets.clear();
  }

  return {
    /** Seconds until `count` tokens are available (a request larger than the bucket waits for a full one); 0 when they are. */
    wait(key: string, perMinute: number, count = 1): number {
      if (perMinute <= 0) return 0;
      const bucket = current(key, perMinute, now());
      const needed = Math.min(count, bucket.capacity);
      if (bucket.tokens >= needed) return 0;
      return Math.max(1, Math.ceil(((needed - bucket.tokens) * 60) / perMinute));
    },
    /** Takes `count` tokens; the balance may go negative, and the debt is repaid before the next request passes. */
    take(key: string, perMinute: number, count = 1): void {
      if (perMinute <= 0) return;
      current(key, perMinute, now()).tokens -= count;
    },
    get size() {
      return buckets.size;
    },
  };
}
export type TokenBuckets = ReturnType<typeof createTokenBuckets>;
