import type { BugRow } from '../db/schema.ts';
import type { DeliveryTrigger } from '../routes/alerts/schema.ts';

const maxMessageChars = 1000;

export type AlertBug = {
  id: number;
  project_id: string;
  source: string;
  level: string;
  error_type: string;
  message: string;
  file_path: string | null;
  line_number: number | null;
  environment: string;
  release: string | null;
  status: string;
  regressed: boolean;
  occurrence_count: number;
  first_seen: string;
  last_seen: string;
  url: string | null;
};

/** The generic webhook body; Slack deliveries are rendered from the same object. */
export type AlertPayload = {
  on: DeliveryTrigger;
  rule: { id: number; name: string };
  bug: AlertBug | null;
  spike?: { count: number; window_minutes: number };
  analysis?: { severity: string; summary: string };
  triggered_at: string;
};

export function alertBug(bug: BugRow, publicUrl: string | undefined): AlertBug {
  return {
    id: bug.id,
    project_id: bug.projectId,
    source: bug.source,
    level: bug.level,
    error_type: bug.errorType,
    message: bug.message.length > maxMessageChars ? `${bug.message.slice(0, maxMessageChars)}…` : bug.message,
    file_path: bug.filePath,
    line_number: bug.lineNumber,
    environment: bug.environment,
    release: bug.release,
    status: bug.status,
    regressed: bug.regressed,
    occurrence_count: bug.occurrenceCount,
    first_seen: bug.firstSeen.toISOString(),
    last_seen: bug.lastSeen.toISOString(),
    url: publicUrl ? `${publicUrl}/bugs/${bug.id}` : null,
  };
}

const headlines: Record<DeliveryTrigger, string> = {
  new_bug: 'New bug',
  regression: 'Regression',
  spike: 'Spike',
  analysis: 'Analysed as severe',
  test: 'Test alert',
};

// Slack mrkdwn treats these three as control characters.
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack incoming-webhook body (also accepted by Mattermost, Rocket.Chat and Discord's /slack endpoint). */
export function slackBody(payload: AlertPayload): { text: string; blocks: unknown[] } {
  const headline = headlines[payload.on];
  const bug = payload.bug;
  if (!bug) {
    const text = `${headline} from Log Center rule "${slackEscape(payload.rule.name)}": the channel works.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const where = bug.file_path ? ` at \`${slackEscape(bug.file_path)}${bug.line_number !== null ? `:${bug.line_number}` : ''}\`` : '';
  const spike = payload.spike ? ` — ${payload.spike.count} occurrences in ${payload.spike.window_minutes} min` : '';
  const summary = `${headline} in ${bug.project_id} (${bug.source}, ${bug.level}): ${bug.error_type}${spike}`;
  const lines = [
    `*${headline}* in \`${slackEscape(bug.project_id)}\` (${bug.source}, ${bug.level}, ${slackEscape(bug.environment)})${slackEscape(spike)}`,
    `*${slackEscape(bug.error_type)}*: ${slackEscape(bug.message.split('\n')[0].slice(0, 300))}${where}`,
    `${bug.occurrence_count} occurrence${bug.occurrence_count === 1 ? '' : 's'} · rule "${slackEscape(payload.rule.name)}"${
      bug.url ? ` · <${bug.url}|open in Log Center>` : ''
    }`,
  ];
  return { text: slackEscape(summary), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }] };
}
