import { describe, expect, it } from 'vitest';
import { EnvelopeError, parseEnvelope, payloadJson } from './envelope.ts';

const bytes = (...parts: (string | Uint8Array)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
const text = (payload: Uint8Array) => Buffer.from(payload).toString('utf8');

describe('parseEnvelope', () => {
  it('reads items without length up to the next newline', () => {
    const envelope = parseEnvelope(
      bytes('{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n', '{"type":"event"}\n', '{"message":"hello"}\n', '{"type":"session"}\n{"sid":"x"}\n'),
    );
    expect(envelope.header.event_id).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    expect(envelope.items.map((item) => item.header.type)).toEqual(['event', 'session']);
    expect(payloadJson(envelope.items[0])).toEqual({ message: 'hello' });
    expect(text(envelope.items[1].payload)).toBe('{"sid":"x"}');
  });

  it('accepts a last item without a trailing newline', () => {
    const envelope = parseEnvelope(bytes('{}\n{"type":"event"}\n{"message":"last"}'));
    expect(envelope.items).toHaveLength(1);
    expect(payloadJson(envelope.items[0])).toEqual({ message: 'last' });
  });

  it('reads exactly `length` bytes, even binary payloads holding newlines', () => {
    const binary = new Uint8Array([0x00, 0x0a, 0xff, 0x0a, 0x0a, 0x89, 0x50]);
    const envelope = parseEnvelope(
      bytes(
        '{}\n',
        `{"type":"attachment","length":${binary.length},"filename":"core.bin"}\n`,
        binary,
        '\n',
        '{"type":"event","length":16}\n{"message":"ü"}',
      ),
    );
    expect(envelope.items.map((item) => item.header.type)).toEqual(['attachment', 'event']);
    expect([...envelope.items[0].payload]).toEqual([...binary]);
    // 16 bytes: "ü" is two bytes in UTF-8.
    expect(payloadJson(envelope.items[1])).toEqual({ message: 'ü' });
  });

  it('accepts an item with length 0 and an envelope with no items', () => {
    expect(parseEnvelope(bytes('{"type":"x"}')).items).toEqual([]);
    const envelope = parseEnvelope(bytes('{}\n{"type":"attachment","length":0}\n\n{"type":"event"}\n{}\n'));
    expect(envelope.items.map((item) => [item.header.type, item.payload.length])).toEqual([
      ['attachment', 0],
      ['event', 2],
    ]);
  });

  it('keeps unknown item types for the caller to drop', () => {
    const envelope = parseEnvelope(bytes('{}\n{"type":"some_future_thing"}\n{"a":1}\n'));
    expect(envelope.items[0].header.type).toBe('some_future_thing');
  });

  it.each([
    ['an empty body', ''],
    ['a header that is not JSON', 'not json\n{"type":"event"}\n{}\n'],
    ['a header that is an array', '[1,2]\n'],
    ['an item header that is not JSON', '{}\n{type:event}\n{}\n'],
    ['an item without a type', '{}\n{"length":2}\n{}\n'],
    ['a length past the end', '{}\n{"type":"event","length":50}\n{}\n'],
    ['a negative length', '{}\n{"type":"event","length":-1}\n{}\n'],
  ])('rejects %s', (_name, body) => {
    expect(() => parseEnvelope(bytes(body))).toThrow(EnvelopeError);
  });

  it('rejects an event payload that is not a JSON object', () => {
    const envelope = parseEnvelope(bytes('{}\n{"type":"event"}\n{"unterminated\n'));
    expect(() => payloadJson(envelope.items[0])).toThrow(EnvelopeError);
  });
});
