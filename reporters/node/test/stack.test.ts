import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorDetails, stackWithCauses } from '../src/error-report.ts';
import { parseStack, relativeToRoot } from '../src/stack.ts';

const esmStack = `TypeError: Cannot read properties of undefined (reading 'id')
    at loadOrder (file:///srv/shop/src/orders/service.mjs:42:17)
    at async Promise.all (index 0)
    at async handler (file:///srv/shop/node_modules/fastify/lib/route.js:10:3)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`;

const cjsStack = `Error: boom
    at Object.<anonymous> (/srv/shop/node_modules/pg/lib/client.js:5:1)
    at new Repository (/srv/shop/src/db/repository.js:12:11)
    at /srv/shop/src/index.js:3:9
    at eval (eval at run (/srv/shop/src/run.js:1:1), <anonymous>:1:7)
    at Array.map (<anonymous>)
    at Module._compile (node:internal/modules/cjs/loader:1554:14)`;

describe('parseStack', () => {
  it('parses ESM frames (file:// URLs, async) innermost first', () => {
    const frames = parseStack(esmStack);
    expect(frames[0]).toEqual({ function: 'loadOrder', file: '/srv/shop/src/orders/service.mjs', line: 42, column: 17, inApp: true });
    expect(frames[2]).toMatchObject({ function: 'handler', file: '/srv/shop/node_modules/fastify/lib/route.js', inApp: false });
    expect(frames[3]).toMatchObject({ file: 'node:internal/process/task_queues', inApp: false });
  });

  it('parses CJS frames: methods, constructors, anonymous, eval and native', () => {
    const frames = parseStack(cjsStack);
    expect(frames.map((frame) => [frame.function, frame.file, frame.line, frame.inApp])).toEqual([
      ['Object.<anonymous>', '/srv/shop/node_modules/pg/lib/client.js', 5, false],
      ['new Repository', '/srv/shop/src/db/repository.js', 12, true],
      [undefined, '/srv/shop/src/index.js', 3, true],
      ['eval', '<anonymous>', undefined, false],
      ['Array.map', '<anonymous>', undefined, false],
      ['Module._compile', 'node:internal/modules/cjs/loader', 1554, false],
    ]);
  });

  it('reports the innermost in-app frame relative to the app root', () => {
    const error = Object.assign(new Error('boom'), { stack: cjsStack });
    expect(errorDetails(error, '/srv/shop')).toMatchObject({ errorType: 'Error', filePath: 'src/db/repository.js', lineNumber: 12 });
    expect(relativeToRoot('/elsewhere/x.js', '/srv/shop')).toBe('/elsewhere/x.js');
  });
});

describe('stack parsing of real modules', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'lc-sdk-stack-'));
    await mkdir(path.join(root, 'lib'));
    await writeFile(path.join(root, 'lib', 'thrower.cjs'), 'exports.fail = function fail() {\n  throw new RangeError("cjs out of range");\n};\n');
    await writeFile(path.join(root, 'lib', 'thrower.mjs'), 'export function fail() {\n\n  throw new SyntaxError("esm bad input");\n}\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('finds the throwing line in a CommonJS module', () => {
    const { fail } = createRequire(import.meta.url)(path.join(root, 'lib', 'thrower.cjs')) as { fail: () => void };
    let details: ReturnType<typeof errorDetails> | undefined;
    try {
      fail();
    } catch (error) {
      details = errorDetails(error, root);
    }
    expect(details).toMatchObject({ errorType: 'RangeError', message: 'cjs out of range', filePath: 'lib/thrower.cjs', lineNumber: 2 });
  });

  it('finds the throwing line in an ES module', async () => {
    const { fail } = (await import(/* @vite-ignore */ pathToFileURL(path.join(root, 'lib', 'thrower.mjs')).href)) as { fail: () => void };
    let details: ReturnType<typeof errorDetails> | undefined;
    try {
      fail();
    } catch (error) {
      details = errorDetails(error, root);
    }
    expect(details).toMatchObject({ errorType: 'SyntaxError', message: 'esm bad input', filePath: 'lib/thrower.mjs', lineNumber: 3 });
  });
});

describe('error details', () => {
  it('keeps the cause chain in the stack text, and survives cycles', () => {
    const root = new Error('connection refused');
    const middle = new Error('query failed', { cause: root });
    const top = new Error('could not load order', { cause: middle });
    (root as { cause?: unknown }).cause = top;
    const text = stackWithCauses(top);
    expect(text).toMatch(/^Error: could not load order\n\s+at /);
    expect(text).toContain('Caused by: Error: query failed');
    expect(text).toContain('Caused by: Error: connection refused');
    expect(text.match(/Caused by/g)).toHaveLength(2);
    expect(stackWithCauses(new Error('x', { cause: { code: 42 } }))).toContain('Caused by: {"code":42}');
  });

  it('names custom error classes and describes thrown non-errors', () => {
    class PaymentDeclined extends Error {}
    expect(errorDetails(new PaymentDeclined('card declined'), process.cwd()).errorType).toBe('PaymentDeclined');
    const code = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    expect(errorDetails(code, process.cwd()).extra).toEqual({ error_code: 'ECONNREFUSED' });
    expect(errorDetails('just a string', process.cwd())).toMatchObject({ errorType: 'NonError', message: 'just a string' });
    expect(errorDetails({ status: 500 }, process.cwd()).message).toBe('{"status":500}');
  });
});
