import { describe, expect, it } from 'vitest';
import { reportSchema } from '../../schemas/report.ts';
import { sentryEventSchema } from './event-schema.ts';
import { eventToReport, groupingFingerprint } from './event-to-report.ts';
import { exceptionEvent } from './test-support.ts';

const parse = (event: Record<string, unknown>) => sentryEventSchema.parse(event);
const map = (event: Record<string, unknown>) => reportSchema.parse(eventToReport(parse(event), 'e'.repeat(32)));
const frame = (filename: string, fn: string, lineno: number, in_app?: boolean) => ({ filename, function: fn, lineno, in_app });
const withFrames = (type: string, value: string, frames: unknown[]) => exceptionEvent({ exception: { values: [{ type, value, stacktrace: { frames } }] } });

describe('eventToReport', () => {
  it('takes the last exception (the outermost) and keeps the causes in the stack text', () => {
    const report = map({
      exception: {
        values: [
          { type: 'ECONNREFUSED', value: 'connect 10.0.0.1:5432', stacktrace: { frames: [frame('/app/src/db.js', 'connect', 3, true)] } },
          { type: 'DatabaseError', value: 'could not load orders', stacktrace: { frames: [frame('/app/src/orders.js', 'load', 9, true)] } },
        ],
      },
    });
    expect(report).toMatchObject({ error_type: 'DatabaseError', message: 'could not load orders', file_path: '/app/src/orders.js', line_number: 9 });
    expect(report.stack_trace).toBe(
      'DatabaseError: could not load orders\n    at load (/app/src/orders.js:9)\nCaused by: ECONNREFUSED: connect 10.0.0.1:5432\n    at connect (/app/src/db.js:3)',
    );
  });

  it('uses the innermost in-app frame, guessing in-app when the SDK did not say', () => {
    const unmarked = map(withFrames('Error', 'x', [frame('/app/src/a.js', 'a', 1), frame('/app/src/b.js', 'b', 2), frame('/app/node_modules/pg/lib/client.js', 'query', 3)]));
    expect(unmarked).toMatchObject({ file_path: '/app/src/b.js', line_number: 2 });
    const browser = map(withFrames('Error', 'x', [frame('https://shop.example/assets/app.3f9c.js?v=2', 'onClick', 120, true)]));
    expect(browser).toMatchObject({ file_path: '/assets/app.3f9c.js', line_number: 120 });
    const none = map(withFrames('Error', 'x', [frame('node:internal/timers', 'listOnTimeout', 1, false)]));
    expect(none.file_path).toBeUndefined();
  });

  it('maps levels, message events, tags and odd timestamps', () => {
    expect(map(exceptionEvent({ level: 'fatal' })).level).toBe('CRITICAL');
    expect(map(exceptionEvent({ level: 'bogus' })).level).toBe('ERROR');
    const message = map({ message: { formatted: 'Disk at 91%' }, level: 'warning', tags: [['host', 'db-1']], timestamp: '2026-05-01T10:00:00' });
    expect(message).toMatchObject({ error_type: 'Message', message: 'Disk at 91%', level: 'WARNING', tags: { host: 'db-1' } });
    expect(message.timestamp?.toISOString()).toBe('2026-05-01T10:00:00.000Z');
    const synthetic = map({ message: 'hello', exception: { values: [{ value: 'hello', mechanism: { type: 'generic', synthetic: true }, stacktrace: { frames: [frame('/app/src/job.js', 'run', 5, true)] } }] } });
    expect(synthetic).toMatchObject({ error_type: 'Message', message: 'hello', file_path: '/app/src/job.js', line_number: 5 });
  });

  it('survives malformed fields instead of rejecting the event', () => {
    const report = map({ exception: { values: [{ type: 7, value: null, stacktrace: { frames: 'nope' } }] }, tags: 'x', user: 5, timestamp: 'yesterday' });
    expect(report).toMatchObject({ error_type: 'Error', source: 'runtime' });
  });
});

describe('groupingFingerprint', () => {
  const group = (event: Record<string, unknown>) => groupingFingerprint(parse(event));

  it('ignores line numbers and messages but not functions, files or types', () => {
    const base = group(withFrames('TypeError', 'user 1 not found', [frame('/app/src/users.js', 'find', 10, true)]));
    expect(group(withFrames('TypeError', 'user 2 gone', [frame('/app/src/users.js', 'find', 99, true)]))).toEqual(base);
    expect(group(withFrames('TypeError', 'x', [frame('/other/dir/users.js', 'find', 10, true)]))).toEqual(base);
    expect(group(withFrames('TypeError', 'x', [frame('/app/src/users.js', 'remove', 10, true)]))).not.toEqual(base);
    expect(group(withFrames('TypeError', 'x', [frame('/app/src/accounts.js', 'find', 10, true)]))).not.toEqual(base);
    expect(group(withFrames('RangeError', 'x', [frame('/app/src/users.js', 'find', 10, true)]))).not.toEqual(base);
  });

  it('ignores frames outside the app when there are in-app frames', () => {
    const a = group(withFrames('E', 'x', [frame('/app/node_modules/a/x.js', 'lib', 1, false), frame('/app/src/s.js', 'f', 2, true)]));
    const b = group(withFrames('E', 'x', [frame('/app/node_modules/b/y.js', 'other', 7, false), frame('/app/src/s.js', 'f', 2, true)]));
    expect(a).toEqual(b);
  });

  it('falls back to the normalized message, and honours custom fingerprints with {{ default }}', () => {
    expect(group({ message: 'Timeout after 3000 ms for job 42' })).toEqual(group({ message: 'Timeout after 10 ms for job 7' }));
    expect(group({ message: 'Timeout' })).not.toEqual(group({ message: 'Refused' }));
    expect(group({ message: 'a', fingerprint: ['billing', 'stripe'] })).toEqual(['billing', 'stripe']);
    const [defaultPart] = group({ message: 'a' });
    expect(group({ message: 'a', fingerprint: ['{{ default }}', 'tenant-7'] })).toEqual([defaultPart, 'tenant-7']);
    expect(group({ message: 'a', fingerprint: ['{{default}}'] })).toEqual([defaultPart]);
  });
});
