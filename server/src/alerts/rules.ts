import type { AlertRuleRow, BugRow } from '../db/schema.ts';
import { type Level, levels } from '../schemas/report.ts';

const rank = (level: string) => levels.indexOf(level as Level);

/** Whether a bug passes a rule's filters (project, source, minimum level); the trigger is checked apart. */
export function ruleMatchesBug(rule: AlertRuleRow, bug: BugRow): boolean {
  if (rule.projectId !== null && rule.projectId !== bug.projectId) return false;
  if (rule.source !== null && rule.source !== bug.source) return false;
  if (rule.minLevel !== null && rank(bug.level) < rank(rule.minLevel)) return false;
  return true;
}
