export type EnvelopeItem = { header: Record<string, unknown> & { type: string; length?: number }; payload: Uint8Array };
export type Envelope = { header: Record<string, unknown>; items: EnvelopeItem[] };

export class EnvelopeError extends Error {}

const newline = 0x0a;
const decoder = new TextDecoder('utf-8', { fatal: false });

function jsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new EnvelopeError(`the ${what} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EnvelopeError(`the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

const isBlank = (bytes: Uint8Array) => bytes.every((b) => b === newline || b === 0x0d || b === 0x20 || b === 0x09);

/**
 * Parses the Sentry envelope format: a JSON header line, then items made of a JSON header
 * line and a payload that is either `length` bytes or runs to the next newline.
 */
export function parseEnvelope(body: Uint8Array): Envelope {
  let position = 0;
  const readLine = (): Uint8Array => {
    const end = body.indexOf(newline, position);
    const line = body.subarray(position, end === -1 ? body.length : end);
    position = end === -1 ? body.length : end + 1;
    return line;
  };

  const headerLine = readLine();
  if (isBlank(headerLine)) throw new EnvelopeError('the envelope is empty');
  const header = jsonObject(headerLine, 'envelope header');
  const items: EnvelopeItem[] = [];

  while (position < body.length) {
    const itemHeaderLine = readLine();
    if (isBlank(itemHeaderLine)) continue;
    const itemHeader = jsonObject(itemHeaderLine, `header of item ${items.length}`);
    if (typeof itemHeader.type !== 'string' || itemHeader.type === '') {
      throw new EnvelopeError(`item ${items.length} has no type`);
    }
    let payload: Uint8Array;
    if (itemHeader.length !== undefined && itemHeader.length !== null) {
      const length = itemHeader.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
        throw new EnvelopeError(`item ${items.length} has an invalid length`);
      }
      if (position + length > body.length) throw new EnvelopeError(`item ${items.length} is shorter than its length`);
      payload = body.subarray(position, position + length);
      position += length;
      if (body[position] === newline) position += 1;
    } else {
      payload = readLine();
    }
    items.push({ header: itemHeader as EnvelopeItem['header'], payload });
  }
  return { header, items };
}

export function payloadJson(item: EnvelopeItem, what = `${item.header.type} item`): Record<string, unknown> {
  return jsonObject(item.payload, what);
}
