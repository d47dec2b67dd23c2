const maxDepth = 8;

/** Plain JSON data from anything: cycles, BigInt, functions and throwing getters cannot break a report. */
export function toJson(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || value === undefined) return value ?? null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'symbol':
    case 'function':
      return `[${typeof value}]`;
  }
  const object = value as object;
  if (seen.has(object)) return '[circular]';
  if (depth >= maxDepth) return '[too deep]';
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (object instanceof Error) return { name: object.name, message: object.message };
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.slice(0, 200).map((item) => toJson(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object).slice(0, 200)) {
      try {
        out[key] = toJson((object as Record<string, unknown>)[key], depth + 1, seen);
      } catch {
        out[key] = '[unreadable]';
      }
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

export const toJsonObject = (value: unknown): Record<string, unknown> => {
  const json = toJson(value);
  return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
};
