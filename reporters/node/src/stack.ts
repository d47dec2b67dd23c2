import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type StackFrame = {
  function?: string;
  /** Absolute path (file:// URLs converted), or what V8 printed (`node:fs`, `<anonymous>`). */
  file: string;
  line?: number;
  column?: number;
  inApp: boolean;
};

const frameLine = /^\s*at\s+(?:(.+?)\s+\((.+)\)|(.+))\s*$/;
const location = /^(.*?):(\d+)(?::(\d+))?$/;
const notInApp = /(^|[\\/])node_modules[\\/]|^node:|^internal[\\/]|^<anonymous>$|^native$|^\[native code\]$|^evalmachine\./;

function toPath(file: string): string {
  if (!file.startsWith('file://')) return file;
  try {
    return fileURLToPath(file);
  } catch {
    return file;
  }
}

/** Parses V8 `at …` lines, innermost frame first; anything else is skipped. */
export function parseStack(stack: string | undefined): StackFrame[] {
  if (!stack) return [];
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const match = frameLine.exec(line);
    if (!match) continue;
    let fn = match[1];
    let where = match[2] ?? match[3];
    // `eval at fn (file:1:2), <anonymous>:3:4`: the code ran inside an eval, not in a file.
    if (where.startsWith('eval at ')) where = '<anonymous>';
    if (fn?.startsWith('async ')) fn = fn.slice(6);
    const position = location.exec(where);
    const file = toPath(position ? position[1] : where);
    frames.push({
      function: fn && fn !== '<anonymous>' ? fn : undefined,
      file,
      line: position ? Number(position[2]) : undefined,
      column: position?.[3] ? Number(position[3]) : undefined,
      inApp: !notInApp.test(file),
    });
  }
  return frames;
}

/** `file` relative to the app root with `/` separators; files outside the root keep their absolute path. */
export function relativeToRoot(file: string, appRoot: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(appRoot, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file.split(path.sep).join('/');
  return relative.split(path.sep).join('/');
}

export function topInAppFrame(frames: StackFrame[]): StackFrame | undefined {
  return frames.find((frame) => frame.inApp && frame.line !== undefined);
}
