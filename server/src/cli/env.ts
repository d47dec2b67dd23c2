import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const cliEnvSchema = z.object({
  LOG_CENTER_URL: z.string().trim().default('http://localhost:8080'),
  LOG_CENTER_ADMIN_TOKEN: z.string().trim().optional(),
  LOG_CENTER_DATA_DIR: z.string().trim().min(1).default('./data'),
});

export type CliEnv = {
  url: string;
  /** Where the token came from, for doctor and error messages. */
  token: { value: string; origin: string } | undefined;
  raw: Record<string, string | undefined>;
};

/** The server URL and admin token: from the environment, else the token the server saved in its data dir. */
export function readCliEnv(env: Record<string, string | undefined>): CliEnv {
  const parsed = cliEnvSchema.parse(env);
  let token: CliEnv['token'];
  if (parsed.LOG_CENTER_ADMIN_TOKEN) token = { value: parsed.LOG_CENTER_ADMIN_TOKEN, origin: 'LOG_CENTER_ADMIN_TOKEN' };
  else {
    const file = path.resolve(parsed.LOG_CENTER_DATA_DIR, 'admin-token');
    try {
      const saved = readFileSync(file, 'utf8').trim();
      if (saved) token = { value: saved, origin: file };
    } catch {
      // No saved token: commands that need one say so.
    }
  }
  return { url: parsed.LOG_CENTER_URL.replace(/\/+$/, ''), token, raw: env };
}
