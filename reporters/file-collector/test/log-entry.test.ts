import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../src/log-entry.ts';
import { toReport } from '../src/to-report.ts';
import { reportSchema } from '../../../server/src/schemas/report.ts';

const pythonTraceback = [
  'Traceback (most recent call last):',
  '  File "/app/orders/views.py", line 41, in create',
  '    total = compute(items)',
  '  File "/app/orders/pricing.py", line 17, in compute',
  '    raise ValueError("negative quantity")',
  '  File "/usr/lib/python3.12/site-packages/decimal_helpers.py", line 3, in check',
  '    pass',
  'ValueError: negative quantity',
].join('\n');

describe('parseLogLine', () => {
  it('reads pino: numeric levels, err with type and stack, the innermost app frame', () => {
    const line = JSON.stringify({
      level: 50,
      time: 1_763_780_400_000,
      pid: 7,
      hostname: 'web-1',
      name: 'api',
      msg: 'request failed',
      err: {
        type: 'TypeError',
        message: "Cannot read properties of undefined (reading 'id')",
        stack: "TypeError: Cannot read properties of undefined (reading 'id')\n    at parse (/srv/node_modules/lib/index.js:1:1)\n    at loadUser (/srv/app/src/users.js:42:13)\n    at node:internal/process/task_queues:95:5",
      },
      req_id: 'abc',
    });
    const entry = parseLogLine(line);
    expect(entry).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      logger: 'api',
      errorType: 'TypeError',
      filePath: '/srv/app/src/users.js',
      lineNumber: 42,
      function: 'loadUser',
    });
    expect(entry?.time?.toISOString()).toBe('2025-11-22T03:00:00.000Z');
    expect(entry?.fields).toEqual({ pid: 7, hostname: 'web-1', req_id: 'abc' });
    expect(parseLogLine(JSON.stringify({ level: 60, msg: 'dying' }))?.level).toBe('CRITICAL');
    expect(parseLogLine(JSON.stringify({ level: 30, msg: 'hello' }))?.level).toBe('INFO');
  });

  it('reads structlog: event, string level, logger and a formatted exception', () => {
    const entry = parseLogLine(
      JSON.stringify({ event: 'order failed', level: 'error', logger: 'orders', timestamp: '2025-11-22T03:00:00.123456Z', exception: pythonTraceback, order_id: 9 }),
    );
    expect(entry).toMatchObject({
      level: 'ERROR',
      message: 'order failed',
      logger: 'orders',
      errorType: 'ValueError',
      errorMessage: 'negative quantity',
      filePath: '/app/orders/pricing.py',
      lineNumber: 17,
      function: 'compute',
      stack: pythonTraceback,
      fields: { order_id: 9 },
    });
    expect(parseLogLine(JSON.stringify({ event: 'boom', level: 'critical' }))?.level).toBe('CRITICAL');
    expect(parseLogLine(JSON.stringify({ event: 'oops', level: 'exception' }))?.level).toBe('ERROR');
  });

  it('reads Python logging JSON: levelname, name, pathname and lineno, exc_info', () => {
    const plain = parseLogLine(
      JSON.stringify({ asctime: '2025-11-22 03:00:00,250', levelname: 'CRITICAL', name: 'worker', message: 'queue lost', pathname: '/app/worker.py', lineno: 88, funcName: 'loop' }),
    );
    expect(plain).toMatchObject({ level: 'CRITICAL', logger: 'worker', message: 'queue lost', filePath: '/app/worker.py', lineNumber: 88, function: 'loop' });
    expect(plain?.errorType).toBeUndefined();

    const withTrace = parseLogLine(JSON.stringify({ levelname: 'ERROR', levelno: 40, name: 'orders', message: 'failed', pathname: '/app/log.py', lineno: 5, exc_info: pythonTraceback }));
    expect(withTrace).toMatchObject({ errorType: 'ValueError', filePath: '/app/orders/pricing.py', lineNumber: 17 });
  });

  it('ignores lines that are not JSON objects or carry no level', () => {
    for (const line of ['plain text error', '', '[1,2]', '{"msg": "no level"}', '{"level": "loud", "msg": "x"}', '{broken']) {
      expect(parseLogLine(line), line).toBeUndefined();
    }
  });
});

function parsed(line: string) {
  const entry = parseLogLine(line);
  if (!entry) throw new Error(`not parsed: ${line}`);
  return entry;
}

describe('toReport', () => {
  it('builds a runtime report the server accepts', () => {
    const entry = parsed(JSON.stringify({ event: 'order failed', level: 'error', logger: 'orders', exception: pythonTraceback, timestamp: '2025-11-22T03:00:00Z' }));
    const report = toReport(entry, { projectId: 'shop', environment: 'staging', file: '/var/log/app.jsonl' });
    expect(report).toMatchObject({
      project_id: 'shop',
      source: 'runtime',
      level: 'ERROR',
      error_type: 'ValueError',
      message: 'order failed',
      file_path: '/app/orders/pricing.py',
      line_number: 17,
      environment: 'staging',
      timestamp: '2025-11-22T03:00:00.000Z',
      tags: { logger: 'orders' },
      context: { log_file: '/var/log/app.jsonl', logger: 'orders', function: 'compute' },
    });
    expect(reportSchema.safeParse(report).success).toBe(true);

    const bare = toReport(parsed('{"level":"error","msg":"disk full"}'), { file: 'a.log' });
    expect(bare).toMatchObject({ error_type: 'LogError', message: 'disk full' });
    expect(reportSchema.safeParse(bare).success).toBe(true);
  });
});
