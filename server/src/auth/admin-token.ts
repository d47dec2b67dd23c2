import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateAdminToken } from './tokens.ts';

export type AdminToken = { token: string; origin: 'environment' | 'data-dir' | 'generated' };

/** The configured token, else the one kept in the data dir, else a new one saved there. */
export function resolveAdminToken(configured: string | undefined, dataDir: string): AdminToken {
  if (configured) return { token: configured, origin: 'environment' };
  const file = path.resolve(dataDir, 'admin-token');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved) return { token: saved, origin: 'data-dir' };
  }
  const token = generateAdminToken();
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  } catch (error) {
    console.warn(`could not save the admin token to ${file}: ${(error as Error).message}`);
  }
  return { token, origin: 'generated' };
}
