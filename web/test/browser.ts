import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium; CI installs the package, never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Screenshots land in the git-ignored test-artifacts/, one folder per database run. */
export function artifactsDir(): string {
  const dir = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'test-artifacts', 'web', process.env.LC_TEST_DB ?? 'pglite');
  mkdirSync(dir, { recursive: true });
  return dir;
}
