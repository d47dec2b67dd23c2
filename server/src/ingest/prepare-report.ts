import type { Level, Report, Source } from '../schemas/report.ts';
import { scrubReport } from '../scrub/scrub.ts';
import { computeFingerprint } from './fingerprint.ts';
import { boundJson, truncateText } from './truncate.ts';

export type PreparedReport = {
  projectId: string;
  fingerprint: string;
  source: Source;
  level: Level;
  errorType: string;
  message: string;
  stackTrace: string | null;
  filePath: string | null;
  lineNumber: number | null;
  environment: string;
  release: string | null;
  occurredAt: Date;
  context: Record<string, unknown>;
  tags: Record<string, string>;
};

export type ReportLimits = { maxMessageLength: number; scrubPatterns?: readonly RegExp[] };

const maxStackTrace = 65_536;

const optionalText = (value: string | null | undefined, max: number) =>
  value === undefined || value === null || value === '' ? null : truncateText(value, max);

const earliest = Date.UTC(2000, 0, 1);

/** A client clock far off (or a unit mix-up) must not break charts or the timestamp column. */
function plausibleTime(time: Date | null | undefined, now: Date): Date {
  const ms = time?.getTime();
  if (ms === undefined || Number.isNaN(ms) || ms < earliest || ms > now.getTime() + 86_400_000) return now;
  return time as Date;
}

/** Bounds every field and computes the fingerprint; the result is what gets stored. */
export function prepareReport(unscrubbed: Report, projectId: string, limits: ReportLimits, now: Date): PreparedReport {
  const report = scrubReport(unscrubbed, { extraPatterns: limits.scrubPatterns });
  const context = boundJson(report.context ?? {}) as Record<string, unknown>;
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(report.tags ?? {}).slice(0, 100)) {
    tags[truncateText(key, 64)] = truncateText(value, 256);
  }
  const prepared = {
    projectId,
    source: report.source,
    level: report.level,
    errorType: truncateText(report.error_type, 256),
    message: truncateText(report.message, limits.maxMessageLength),
    stackTrace: optionalText(report.stack_trace, maxStackTrace),
    filePath: optionalText(report.file_path, 1024),
    // The column is a PostgreSQL integer; a line past it is not a real line.
    lineNumber: report.line_number !== null && report.line_number !== undefined && report.line_number <= 2_147_483_647 ? report.line_number : null,
    environment: truncateText(report.environment ?? 'production', 128),
    release: optionalText(report.release, 256),
    occurredAt: plausibleTime(report.timestamp, now),
    context,
    tags,
  };
  const fingerprint = computeFingerprint({
    project_id: projectId,
    source: prepared.source,
    error_type: prepared.errorType,
    message: prepared.message,
    file_path: prepared.filePath,
    line_number: prepared.lineNumber,
    context,
    fingerprint: report.fingerprint?.map((part) => truncateText(part, 1024)),
  });
  return { ...prepared, fingerprint };
}
