import { type Level, levelSchema, levels } from '../../../server/src/schemas/report.ts';

/** One JSON log record, whichever library wrote it (pino, structlog, Python logging JSON formatters). */
export type LogEntry = {
  level: Level;
  message: string;
  logger?: string;
  time?: Date;
  errorType?: string;
  errorMessage?: string;
  stack?: string;
  filePath?: string;
  lineNumber?: number;
  function?: string;
  fields: Record<string, unknown>;
};

// pino's numeric levels; Python's levelno uses 10..50 with the same meaning up to 50.
const pinoLevels: [number, Level][] = [
  [60, 'CRITICAL'],
  [50, 'ERROR'],
  [40, 'WARNING'],
  [30, 'INFO'],
];
const pythonLevels: Record<number, Level> = { 50: 'CRITICAL', 40: 'ERROR', 30: 'WARNING', 20: 'INFO', 10: 'DEBUG' };
const extraAliases: Record<string, Level> = { exception: 'ERROR', emerg: 'CRITICAL', panic: 'CRITICAL', severe: 'ERROR', dpanic: 'CRITICAL' };

const consumed = new Set([
  'level', 'levelname', 'levelno', 'severity', 'lvl', 'log.level',
  'msg', 'message', 'event',
  'time', 'timestamp', '@timestamp', 'asctime', 'created', 'ts',
  'name', 'logger', 'logger_name',
  'err', 'error', 'exception', 'exc_info', 'exc_text', 'stack_info', 'stack',
  'pathname', 'filename', 'lineno', 'funcName', 'func_name', 'v',
]);

function levelOf(record: Record<string, unknown>): Level | undefined {
  for (const key of ['level', 'levelname', 'severity', 'lvl', 'log.level', 'levelno']) {
    const value = record[key];
    if (typeof value === 'number') {
      if (key === 'levelno' || value % 10 === 0) {
        const found = key === 'levelno' ? pythonLevels[value] : pinoLevels.find(([min]) => value >= min)?.[1];
        return found ?? 'DEBUG';
      }
    } else if (typeof value === 'string' && value.trim()) {
      const parsed = levelSchema.safeParse(value);
      if (parsed.success) return parsed.data;
      const alias = extraAliases[value.trim().toLowerCase()];
      if (alias) return alias;
    }
  }
  return undefined;
}

function timeOf(record: Record<string, unknown>): Date | undefined {
  for (const key of ['time', 'timestamp', '@timestamp', 'ts', 'created', 'asctime']) {
    const value = record[key];
    let date: Date | undefined;
    // Epoch seconds (Python `created`, structlog with fmt=None) or milliseconds (pino).
    if (typeof value === 'number' && value > 0) date = new Date(value < 1e11 ? value * 1000 : value);
    else if (typeof value === 'string') date = new Date(key === 'asctime' ? value.replace(',', '.').replace(' ', 'T') : value);
    if (date && !Number.isNaN(date.getTime())) return date;
  }
  return undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value : undefined);

/** `ValueError: bad input` as the last line of a Python traceback, or the first line of a V8 stack. */
const exceptionLine = /^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Failure|Fault)|[A-Z][\w.]*(?:Error|Exception))(?::\s?(.*))?$/;
const pythonFrame = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$/;
const v8Frame = /^\s*at (?:(.+?) \()?(?:file:\/\/)?([^()]+?):(\d+):(\d+)\)?$/;

type StackFacts = { errorType?: string; errorMessage?: string; filePath?: string; lineNumber?: number; function?: string };

/** The exception type and the innermost application frame, from a Python traceback or a V8 stack. */
export function readStack(stack: string): StackFacts {
  const lines = stack.split('\n').map((line) => line.trimEnd()).filter(Boolean);
  const facts: StackFacts = {};
  if (lines.some((line) => pythonFrame.test(line))) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const match = exceptionLine.exec(lines[i].trim());
      if (match && !/^\s/.test(lines[i])) {
        facts.errorType = match[1];
        facts.errorMessage = match[2];
        break;
      }
    }
    // Python prints the innermost frame last; library frames are skipped when an app frame exists.
    const frames = lines.map((line) => pythonFrame.exec(line)).filter((m): m is RegExpExecArray => m !== null);
    const app = frames.filter((m) => !/site-packages|dist-packages|\/lib\/python\d/.test(m[1]));
    const frame = (app.length ? app : frames).at(-1);
    if (frame) Object.assign(facts, { filePath: frame[1], lineNumber: Number(frame[2]), function: frame[3] });
    return facts;
  }
  const first = exceptionLine.exec(lines[0]?.trim() ?? '');
  if (first) {
    facts.errorType = first[1];
    facts.errorMessage = first[2];
  }
  // V8 prints the innermost frame first.
  const frames = lines.map((line) => v8Frame.exec(line)).filter((m): m is RegExpExecArray => m !== null);
  const app = frames.filter((m) => !m[2].startsWith('node:') && !m[2].includes('node_modules'));
  const frame = (app.length ? app : frames)[0];
  if (frame) Object.assign(facts, { filePath: frame[2], lineNumber: Number(frame[3]), function: frame[1] });
  return facts;
}

/** Parses one line; undefined for lines that are not a JSON object or carry no level. */
export function parseLogLine(line: string): LogEntry | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let record: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    record = value as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const level = levelOf(record);
  if (!level) return undefined;

  const errorObject = [record.err, record.error].find(
    (value): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value),
  );
  const stack = text(errorObject?.stack) ?? text(record.exception) ?? text(record.exc_info) ?? text(record.exc_text) ?? text(record.stack);
  const fromStack = stack ? readStack(stack) : {};
  const errorType = text(errorObject?.type) ?? text(errorObject?.name) ?? fromStack.errorType;
  const errorMessage = text(errorObject?.message) ?? fromStack.errorMessage ?? (typeof record.error === 'string' ? record.error : undefined);
  const lineNumber = typeof record.lineno === 'number' ? record.lineno : fromStack.lineNumber;

  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!consumed.has(key)) fields[key] = value;

  return {
    level,
    message: text(record.msg) ?? text(record.message) ?? text(record.event) ?? errorMessage ?? '',
    logger: text(record.logger) ?? text(record.name) ?? text(record.logger_name),
    time: timeOf(record),
    errorType,
    errorMessage,
    stack,
    // A record's own call site (Python's pathname/lineno) is where it was logged; the stack says where it failed.
    filePath: fromStack.filePath ?? text(record.pathname) ?? text(record.filename),
    lineNumber: fromStack.filePath ? fromStack.lineNumber : lineNumber,
    function: fromStack.function ?? text(record.funcName) ?? text(record.func_name),
    fields,
  };
}

export const levelRank = (level: Level) => levels.indexOf(level);
