import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json and drizzle/: the same answer whether the server runs
 * from its sources (tsx) or from the bundle in dist/server.
 */
function findInstallRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'drizzle'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Log Center install (package.json and drizzle/) above ${from}`);
    dir = parent;
  }
}

export const installRoot = findInstallRoot(path.dirname(fileURLToPath(import.meta.url)));
