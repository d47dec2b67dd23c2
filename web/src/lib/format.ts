import { signal } from '@preact/signals';
import type { Level, Source, Status } from '../api/types.ts';

/** The current minute, shared by every relative time so they tick together. */
export const now = signal(Date.now());
if (typeof window !== 'undefined') setInterval(() => (now.value = Date.now()), 30_000);

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

export function relativeTime(iso: string, reference = now.value): string {
  const diff = Date.parse(iso) - reference;
  const abs = Math.abs(diff);
  if (abs < 45_000) return 'just now';
  for (const [unit, ms] of units) {
    if (abs >= ms || unit === 'minute') return relativeFormat.format(Math.round(diff / ms), unit);
  }
  return iso;
}

const exactFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });
export const exactTime = (iso: string) => exactFormat.format(new Date(iso));

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const full = new Intl.NumberFormat('en');
export const formatCount = (value: number) => (value >= 10_000 ? compact.format(value) : full.format(value));

export const sourceLabels: Record<Source, string> = { runtime: 'Runtime', cicd: 'CI/CD', deployment: 'Deployment' };
export const statusLabels: Record<Status, string> = {
  new: 'New',
  fixing: 'Fixing',
  fixed: 'Fixed',
  resolved: 'Resolved',
  ignored: 'Ignored',
};
export const levelLabels: Record<Level, string> = {
  CRITICAL: 'Critical',
  ERROR: 'Error',
  WARNING: 'Warning',
  INFO: 'Info',
  DEBUG: 'Debug',
};

/** A link only for http(s): a report could carry `javascript:` in any URL field. */
export function safeHref(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** A context value as display text; objects are shown as JSON, never as markup. */
export function contextText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
