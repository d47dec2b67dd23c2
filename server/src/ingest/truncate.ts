export const truncationMarker = (dropped: number) => `…[truncated ${dropped} chars]`;

/** PostgreSQL rejects NUL bytes and lone surrogates in text and jsonb. */
export function cleanText(value: string): string {
  const wellFormed = value.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed;
}

export function truncateText(value: string, max: number): string {
  value = cleanText(value);
  if (value.length <= max) return value;
  const marker = truncationMarker(value.length - max);
  let cut = Math.max(0, max - marker.length);
  // Never split a surrogate pair: half of one is invalid text for PostgreSQL.
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return value.slice(0, cut) + marker;
}

export type JsonBounds = { maxString: number; maxDepth: number; maxKeys: number; maxItems: number };

export const defaultJsonBounds: JsonBounds = { maxString: 65_536, maxDepth: 8, maxKeys: 200, maxItems: 200 };

/** Bounds arbitrary client JSON (context, tags) so one report cannot bloat a row. */
export function boundJson(value: unknown, bounds: JsonBounds = defaultJsonBounds, depth = 0): unknown {
  if (typeof value === 'string') return truncateText(value, bounds.maxString);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  if (depth >= bounds.maxDepth) return '[truncated: too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, bounds.maxItems).map((item) => boundJson(item, bounds, depth + 1));
    if (value.length > bounds.maxItems) items.push(`[truncated ${value.length - bounds.maxItems} items]`);
    return items;
  }
  const entries = Object.entries(value);
  const bounded: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, bounds.maxKeys)) {
    bounded[truncateText(key, 200)] = boundJson(item, bounds, depth + 1);
  }
  if (entries.length > bounds.maxKeys) bounded['[truncated]'] = `${entries.length - bounds.maxKeys} more keys`;
  return bounded;
}
