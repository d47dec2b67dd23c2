import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CliError, exitCodes } from './api-client.ts';

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
  // An empty variable means unset, as in the server's configuration.
  const result = cliEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value?.trim())));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new CliError(`${issue.path.join('.')}: ${issue.message}`, exitCodes.usage);
  }
  const parsed = result.data;
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
