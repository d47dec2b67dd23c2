import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const webDir = path.join(repoRoot, 'web');
const builtIndex = path.join(repoRoot, 'dist', 'web', 'index.html');
const lockDir = path.join(repoRoot, 'dist', '.web-build.lock');
const inputs = ['index.html', 'vite.config.ts', 'src', 'public'].map((entry) => path.join(webDir, entry));

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** True when dist/web is missing or older than any dashboard source file. */
export function webBuildIsStale(): boolean {
  if (!existsSync(builtIndex)) return true;
  const builtAt = statSync(builtIndex).mtimeMs;
  return inputs.some((entry) => newestMtime(entry) > builtAt);
}

function viteBin(): string | undefined {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds the dashboard into dist/web unless an up-to-date build is there; safe to call from parallel test files. */
export async function ensureWebBuild(options: { quiet?: boolean } = {}): Promise<void> {
  if (!webBuildIsStale()) return;
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // A lock left behind by a killed build is taken over after a while.
      const lock = statSync(lockDir, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 120_000) rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error('timed out waiting for another dashboard build to finish');
      await sleep(250);
    }
  }
  try {
    if (!webBuildIsStale()) return;
    const vite = viteBin();
    if (!vite) throw new Error('vite is not installed: run `npm ci` (with dev dependencies) to build the dashboard');
    execFileSync(process.execPath, [vite, 'build', '--config', path.join(webDir, 'vite.config.ts')], {
      cwd: repoRoot,
      stdio: options.quiet ? 'pipe' : 'inherit',
    });
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!webBuildIsStale()) console.log('dashboard build in dist/web is up to date');
  else if (!viteBin() && existsSync(builtIndex)) console.log('vite is not installed; serving the existing dist/web');
  else await ensureWebBuild();
}
