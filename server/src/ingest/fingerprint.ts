import { createHash } from 'node:crypto';
import type { Source } from '../schemas/report.ts';

export type FingerprintInput = {
  project_id: string;
  source: Source;
  error_type: string;
  message: string;
  file_path?: string | null;
  line_number?: number | null;
  context?: Record<string, unknown> | null;
  fingerprint?: string[] | null;
};

const defaultMarker = /^\{\{\s*default\s*\}\}$/;

/** Replaces what varies between two reports of one error: ids, numbers, hex, quoted values. */
export function normalizeMessage(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? '';
  return firstLine
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, '<email>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}

const contextText = (context: Record<string, unknown> | null | undefined, key: string) => {
  const value = context?.[key];
  return value === undefined || value === null ? '' : String(value);
};

export function defaultFingerprintParts(report: FingerprintInput): string[] {
  switch (report.source) {
    case 'cicd':
      return [
        report.project_id,
        'cicd',
        report.error_type,
        contextText(report.context, 'job_name'),
        contextText(report.context, 'step_name'),
      ];
    case 'deployment':
      return [
        report.project_id,
        'deployment',
        report.error_type,
        contextText(report.context, 'namespace'),
        contextText(report.context, 'deployment_name'),
      ];
    default:
      if (report.file_path) {
        return [report.project_id, report.error_type, report.file_path, String(report.line_number ?? '')];
      }
      return [report.project_id, report.error_type, normalizeMessage(report.message)];
  }
}

export function fingerprintParts(report: FingerprintInput): string[] {
  if (!report.fingerprint?.length) return defaultFingerprintParts(report);
  return report.fingerprint.flatMap((part) =>
    defaultMarker.test(part) ? defaultFingerprintParts(report) : [part],
  );
}

export function computeFingerprint(report: FingerprintInput): string {
  return createHash('sha256').update(fingerprintParts(report).join('|')).digest('hex');
}
