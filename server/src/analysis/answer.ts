import { z } from 'zod';
import { analysisSeverities } from '../schemas/analysis.ts';

const text = (max: number) => z.string().trim().min(1).max(max);

/** One item of the model's answer; anything else about the item is ignored. */
export const analysisItemSchema = z.object({
  bug_id: z.coerce.number().int(),
  summary: text(2000),
  probable_cause: text(4000),
  suggested_fix: text(4000),
  severity: z.preprocess((value) => (typeof value === 'string' ? value.trim().toLowerCase() : value), z.enum(analysisSeverities)),
  confidence: z.coerce.number().min(0).max(1),
  category: text(100),
});
export type AnalysisItem = z.infer<typeof analysisItemSchema>;

const chatCompletionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

export type ParsedAnswer =
  | { ok: true; model: string | undefined; items: Map<number, AnalysisItem | string> }
  | { ok: false; error: string };

// Some models fence their JSON in markdown even when asked for a JSON object.
const unfence = (content: string) => content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');

/**
 * Reads a chat completion: per bug id, the validated analysis or the reason it was rejected.
 * Bugs without an item are absent from `items`.
 */
export function parseAnswer(body: unknown): ParsedAnswer {
  const completion = chatCompletionSchema.safeParse(body);
  if (!completion.success) return { ok: false, error: 'the reply is not a chat completion' };
  const content = completion.data.choices[0].message.content ?? '';
  let json: unknown;
  try {
    json = JSON.parse(unfence(content));
  } catch {
    return { ok: false, error: `the reply is not JSON: ${content.slice(0, 120)}` };
  }
  const list = Array.isArray(json) ? json : (json as { analyses?: unknown } | null)?.analyses;
  if (!Array.isArray(list)) return { ok: false, error: 'the reply has no "analyses" array' };

  const items = new Map<number, AnalysisItem | string>();
  for (const raw of list) {
    const id = Number((raw as { bug_id?: unknown } | null)?.bug_id);
    if (!Number.isInteger(id)) continue;
    const item = analysisItemSchema.safeParse(raw);
    if (item.success) items.set(id, item.data);
    else if (!items.has(id)) {
      const issues = item.error.issues.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`);
      items.set(id, `invalid analysis: ${issues.join('; ')}`);
    }
  }
  return { ok: true, model: completion.data.model, items };
}
