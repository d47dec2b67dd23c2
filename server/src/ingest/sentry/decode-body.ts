import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ApiError } from '../../http/errors.ts';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

const tooLarge = (max: number) => new ApiError(413, 'payload_too_large', `the decompressed body is larger than ${max} bytes`);
const badEncoding = (encoding: string) => new ApiError(400, 'invalid_encoding', `the body is not valid ${encoding} data`);

const isTooLarge = (error: unknown) => (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;

async function inflateWith(run: () => Promise<Buffer>, encoding: string, max: number): Promise<Buffer> {
  try {
    return await run();
  } catch (error) {
    throw isTooLarge(error) ? tooLarge(max) : badEncoding(encoding);
  }
}

/**
 * Undoes `Content-Encoding` (gzip, deflate as zlib or raw, br), bounding the inflated size
 * so a small compressed body cannot expand into gigabytes.
 */
export async function decodeBody(raw: Uint8Array, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const options = { maxOutputLength: maxBytes };
  const encodings = (contentEncoding ?? '')
    .split(',')
    .map((value) => value.trim().toLowerCase())
    .filter((value) => value !== '' && value !== 'identity');
  // Some proxies and old SDKs send gzip without saying so.
  if (encodings.length === 0 && input[0] === 0x1f && input[1] === 0x8b) encodings.push('gzip');

  let body = input;
  for (const encoding of encodings.reverse()) {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        body = await inflateWith(() => gunzip(body, options), 'gzip', maxBytes);
        break;
      case 'deflate': {
        const source = body;
        body = await inflateWith(
          () => inflate(source, options).catch((error: unknown) => (isTooLarge(error) ? Promise.reject(error) : inflateRaw(source, options))),
          'deflate',
          maxBytes,
        );
        break;
      }
      case 'br':
        body = await inflateWith(() => brotli(body, options), 'br', maxBytes);
        break;
      default:
        throw new ApiError(415, 'unsupported_media_type', `unsupported Content-Encoding "${encoding}"; use gzip, deflate or br`);
    }
  }
  if (body.length > maxBytes) throw tooLarge(maxBytes);
  return body;
}
