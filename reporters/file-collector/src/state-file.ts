import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { FileState } from './follow-file.ts';

const fileStateSchema = z.object({
  dev: z.number(),
  ino: z.number(),
  offset: z.number().int().min(0),
  headLength: z.number().int().min(0),
  head: z.string(),
});
const stateSchema = z.object({ version: z.literal(1), files: z.record(z.string(), fileStateSchema) });

export type CollectorState = Record<string, FileState>;

export class StateFileError extends Error {}

/** Offsets per followed file; a missing state file means nothing was read yet. */
export async function loadState(file: string): Promise<CollectorState> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new StateFileError(`${file} is not JSON; remove it to start over (every followed file is then read from its start)`);
  }
  const state = stateSchema.safeParse(parsed);
  if (!state.success) throw new StateFileError(`${file} is not a file-collector state file; remove it to start over`);
  return state.data.files;
}

/** Written to a temporary file and renamed, so a crash leaves the old state or the new one, never half. */
export async function saveState(file: string, files: CollectorState): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ version: 1, files }, null, 2)}\n`);
  await rename(temporary, file);
}
