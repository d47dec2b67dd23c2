import type { Bug } from '../../schemas/bug.ts';

const columns = [
  'id',
  'project_id',
  'source',
  'level',
  'status',
  'regressed',
  'error_type',
  'message',
  'file_path',
  'line_number',
  'environment',
  'release',
  'occurrence_count',
  'first_seen',
  'last_seen',
  'fingerprint',
] as const satisfies readonly (keyof Bug)[];

/** RFC 4180 quoting; a leading formula character is neutralised for spreadsheet safety. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvHeader = () => `${columns.join(',')}\r\n`;

export const csvRow = (bug: Bug) => `${columns.map((column) => csvCell(bug[column])).join(',')}\r\n`;
