import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const repoRoot = new URL('../../', import.meta.url).pathname;

export type Started = { child: ChildProcess; url: string; output: () => string };

/** Node's flags in `npm start` (source maps, heap limit), so tests and benchmarks run the bundle as it is deployed. */
export function startNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('package.json', `file://${repoRoot}`), 'utf8')) as { scripts: { start: string } };
  return scripts.start.split(/\s+/).filter((arg) => arg.startsWith('--'));
}

/** Starts an entry point (TypeScript through tsx, or a built .js) and waits until it prints "listening on <url>". */
export function startProcess(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Started> {
  const args = entry.endsWith('.js') ? [...startNodeFlags(), entry] : ['--import', 'tsx', entry];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s)]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${output}`));
    });
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
  await exited;
  clearTimeout(timer);
}

/** Peak resident memory of a process in MiB (Linux VmHWM). */
export function peakRssMiB(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
