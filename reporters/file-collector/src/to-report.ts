import type { ReportInput } from '../../../server/src/schemas/report.ts';
import type { LogEntry } from './log-entry.ts';

export type ReportOptions = { projectId?: string; environment?: string; release?: string; file: string };

const maxFieldsBytes = 8 * 1024;

/** A runtime report for one log entry; the server fingerprints it by type and file/line, or by message. */
export function toReport(entry: LogEntry, options: ReportOptions): ReportInput {
  const fields = JSON.stringify(entry.fields);
  const context: Record<string, unknown> = {
    log_file: options.file,
    ...(entry.logger ? { logger: entry.logger } : {}),
    ...(entry.function ? { function: entry.function } : {}),
    ...(fields.length <= maxFieldsBytes ? { fields: entry.fields } : { fields_truncated: fields.slice(0, maxFieldsBytes) }),
  };
  return {
    ...(options.projectId ? { project_id: options.projectId } : {}),
    source: 'runtime',
    level: entry.level,
    error_type: entry.errorType ?? 'LogError',
    message: entry.message || entry.errorMessage || '(empty log message)',
    ...(entry.stack ? { stack_trace: entry.stack } : {}),
    ...(entry.filePath ? { file_path: entry.filePath } : {}),
    ...(entry.lineNumber !== undefined ? { line_number: entry.lineNumber } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.release ? { release: options.release } : {}),
    ...(entry.time ? { timestamp: entry.time.toISOString() } : {}),
    ...(entry.logger ? { tags: { logger: entry.logger } } : {}),
    context,
  };
}
