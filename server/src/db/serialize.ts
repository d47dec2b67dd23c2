import type { ApiKey, Project } from '../schemas/project.ts';
import type { Bug, Occurrence } from '../schemas/bug.ts';
import type { ApiKeyRow, BugRow, OccurrenceRow, ProjectRow } from './schema.ts';

export const iso = (value: Date) => value.toISOString();
export const isoOrNull = (value: Date | null) => (value ? value.toISOString() : null);

export function toBugJson(row: BugRow): Bug {
  return {
    id: row.id,
    project_id: row.projectId,
    fingerprint: row.fingerprint,
    source: row.source as Bug['source'],
    level: row.level as Bug['level'],
    error_type: row.errorType,
    message: row.message,
    file_path: row.filePath,
    line_number: row.lineNumber,
    environment: row.environment,
    release: row.release,
    status: row.status as Bug['status'],
    regressed: row.regressed,
    regressed_at: isoOrNull(row.regressedAt),
    occurrence_count: row.occurrenceCount,
    first_seen: iso(row.firstSeen),
    last_seen: iso(row.lastSeen),
    context: row.context,
    stack_trace: row.stackTrace,
    assignee: row.assignee,
    note: row.note,
    repair_attempts: row.repairAttempts,
    claimed_by: row.claimedBy,
    lease_until: isoOrNull(row.leaseUntil),
    fix_summary: row.fixSummary,
    fix_url: row.fixUrl,
  };
}

export function toOccurrenceJson(row: OccurrenceRow): Occurrence {
  return {
    id: row.id,
    bug_id: row.bugId,
    received_at: iso(row.receivedAt),
    occurred_at: iso(row.occurredAt),
    level: row.level as Occurrence['level'],
    message: row.message,
    stack_trace: row.stackTrace,
    environment: row.environment,
    release: row.release,
    context: row.context,
    tags: row.tags,
  };
}

export function toProjectJson(row: ProjectRow): Project {
  return { id: row.id, name: row.name, dsn_id: row.dsnId, created_at: iso(row.createdAt), rate_limit_per_minute: row.rateLimitPerMinute };
}

export function toApiKeyJson(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    project_id: row.projectId,
    name: row.name,
    key_prefix: row.keyPrefix,
    created_at: iso(row.createdAt),
    last_used_at: isoOrNull(row.lastUsedAt),
    revoked_at: isoOrNull(row.revokedAt),
  };
}
