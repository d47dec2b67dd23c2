import type { LlmConfig } from '../config.ts';
import type { BugRow } from '../db/schema.ts';
import { scrubText } from '../scrub/scrub.ts';

/** At most ~1,500 tokens per bug (~4 characters a token): a batch of 10 with its answers fits a 32k context. */
export const charsPerBug = 6000;
const stackLines = 40;
const logLines = 60;

const systemPrompt = [
  'You are an experienced site reliability engineer triaging errors reported to an error tracker.',
  'For each bug you receive, find the most probable root cause and a concrete fix.',
  'Answer with one JSON object and nothing else, shaped like',
  '{"analyses":[{"bug_id":<the bug id>,"summary":"<one sentence>","probable_cause":"<why it happens>",',
  '"suggested_fix":"<what to change>","severity":"critical|high|medium|low","confidence":<0 to 1>,',
  '"category":"<one or two words, e.g. null-reference, configuration, network, dependency, resource, test>"}]}',
  'with exactly one item per bug id. Severity: critical = outage or data loss, high = a main feature broken,',
  'medium = degraded or partial, low = cosmetic or noise. Never invent bug ids.',
].join(' ');

const head = (text: string, lines: number) => text.split('\n').slice(0, lines).join('\n');
const tail = (text: string, lines: number) => text.split('\n').slice(-lines).join('\n');

function contextText(context: Record<string, unknown>, key: string): string | undefined {
  const value = context[key];
  return typeof value === 'string' && value.trim() ? value : undefined;
}

/** The evidence for one bug: top of the stack, CI log tail or pod logs, within the budget. */
export function describeBug(bug: BugRow, scrubPatterns: readonly RegExp[] = []): Record<string, unknown> {
  const scrub = (text: string) => scrubText(text, { extraPatterns: scrubPatterns });
  const evidence: Record<string, string> = {};
  if (bug.stackTrace) evidence.stack_top = head(bug.stackTrace, stackLines);
  const ciLog = contextText(bug.context, 'log_tail');
  if (ciLog) evidence.ci_log_tail = tail(ciLog, logLines);
  const podLogs = contextText(bug.context, 'logs');
  if (podLogs) evidence.pod_logs_tail = tail(podLogs, logLines);
  for (const key of ['reason', 'exit_code', 'restart_count', 'job', 'step', 'workflow']) {
    const value = bug.context[key];
    if (typeof value === 'string' || typeof value === 'number') evidence[key] = String(value);
  }

  let budget = charsPerBug;
  const take = (text: string) => {
    const cut = scrub(text).slice(0, Math.max(0, budget));
    budget -= cut.length;
    return cut;
  };
  const described: Record<string, unknown> = {
    bug_id: bug.id,
    source: bug.source,
    level: bug.level,
    environment: bug.environment,
    error_type: take(bug.errorType),
    message: take(bug.message),
  };
  if (bug.filePath) described.location = `${take(bug.filePath)}${bug.lineNumber ? `:${bug.lineNumber}` : ''}`;
  for (const [key, text] of Object.entries(evidence)) {
    if (budget <= 0) break;
    described[key] = take(text);
  }
  return described;
}

export function buildChatRequest(llm: LlmConfig, bugs: BugRow[], scrubPatterns: readonly RegExp[] = []) {
  return {
    model: llm.model,
    temperature: 0,
    response_format: { type: 'json_object' as const },
    messages: [
      { role: 'system' as const, content: systemPrompt },
      { role: 'user' as const, content: JSON.stringify({ bugs: bugs.map((bug) => describeBug(bug, scrubPatterns)) }) },
    ],
  };
}
