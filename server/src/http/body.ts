import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from './errors.ts';

export const payloadTooLarge = (maxBytes: number) =>
  new ApiError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`);

const limits = new WeakMap<object, number>();
const bodies = new WeakMap<object, Promise<Buffer>>();

/** Used when no `bodySizeLimit` middleware ran (a sub-app mounted on its own). */
const fallbackMaxBytes = 1024 * 1024;

/**
 * Refuses a declared oversized body before any route runs, and sets the bound `readBody`
 * applies to bodies that declare no length (chunked).
 */
export function bodySizeLimit(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
    limits.set(c.req.raw, maxBytes);
    await next();
  };
}

/**
 * The request body, read at most once per request and never past the `bodySizeLimit` (413).
 * Under @hono/node-server it reads Node's IncomingMessage directly: going through
 * `c.req.text()` builds a WHATWG Request and a web stream per request, which cost more
 * CPU than validating and fingerprinting the report itself.
 */
export function readBody(c: Context): Promise<Buffer> {
  const maxBytes = limits.get(c.req.raw) ?? fallbackMaxBytes;
  let body = bodies.get(c.req.raw);
  if (!body) {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    body = incoming ? readIncoming(incoming, maxBytes) : readWebBody(c.req.raw, maxBytes);
    bodies.set(c.req.raw, body);
  }
  return body;
}

/** A body as UTF-8 text, without the byte order mark some Windows tools put in front. */
export function bodyText(body: Buffer): string {
  const hasBom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  return body.toString('utf8', hasBom ? 3 : 0);
}

function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(incoming.headers['content-length'] ?? 0) > maxBytes) return reject(payloadTooLarge(maxBytes));
    if (incoming.readableEnded || incoming.destroyed) return reject(new Error('the request body was already consumed'));
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        reject(payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the client closed the connection before sending the whole body'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

async function readWebBody(request: Request, maxBytes: number): Promise<Buffer> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) throw payloadTooLarge(maxBytes);
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
