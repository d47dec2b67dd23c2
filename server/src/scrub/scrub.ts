import { defaultJsonBounds } from '../ingest/truncate.ts';

export const filtered = '[Filtered]';

const sensitiveKeyPattern =
  /password|passwd|passphrase|pwd|secret|token|apikey|accesskey|privatekey|credential|authoriz|authenticat|auth$|cookie|session|creditcard|cardnumber|ccnumber|cvv|cvc/;

/** `api_key`, `X-Api-Key`, `apiKey` and `API-KEY` are one key: case and separators are ignored. */
export function isSensitiveKey(key: string): boolean {
  return sensitiveKeyPattern.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

const cardPrefix = /^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|35|6(?:011|5|4[4-9]|2))/;

export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19 || !cardPrefix.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function isBasicCredential(encoded: string): boolean {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  return /^[^\s:]{0,256}:[^\n]*$/.test(decoded) && !decoded.includes('\uFFFD');
}

// `applies` is a cheap substring test that skips the regex for text that cannot match.
type Rule = { applies: (text: string, lower: string) => boolean; pattern: RegExp; replace: (match: string, ...groups: string[]) => string };

// Every pattern is linear in the input: bounded repetitions, no nested quantifiers.
const rules: Rule[] = [
  {
    // An unterminated block (a truncated log) is filtered up to the end of the text.
    applies: (text) => text.includes('PRIVATE KEY'),
    pattern: /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g,
    replace: () => filtered,
  },
  {
    applies: (_, lower) => lower.includes('authorization') || lower.includes('cookie') || lower.includes('x-api-key') || lower.includes('x-sentry-auth'),
    pattern: /\b(authorization|proxy-authorization|x-api-key|x-sentry-auth|cookie|set-cookie)([ \t]*[:=][ \t]*)(?!\[Filtered\])[^\r\n]+/gi,
    replace: (_, name, separator) => `${name}${separator}${filtered}`,
  },
  {
    applies: (_, lower) => lower.includes('bearer'),
    pattern: /\b(bearer)(\s+)(?!\[Filtered\])[A-Za-z0-9\-._~+/]{1,4096}=*/gi,
    replace: (_, word, space) => `${word}${space}${filtered}`,
  },
  {
    applies: (_, lower) => lower.includes('basic'),
    pattern: /\b(basic)(\s+)([A-Za-z0-9+/]{4,4096}={0,2})/gi,
    replace: (match, word, space, encoded) => (isBasicCredential(encoded) ? `${word}${space}${filtered}` : match),
  },
  {
    applies: (text) => text.includes('://') && text.includes('@'),
    pattern: /:\/\/([^\s:@/?#]{0,256}):([^\s@/?#]{1,256})@/g,
    replace: (_, user) => `://${user}:${filtered}@`,
  },
  {
    applies: (text) => text.includes('"'),
    pattern: /"([^"\\\n]{1,64})"(\s*:\s*)"(?:[^"\\]|\\.)*"/g,
    replace: (match, key, separator) => (isSensitiveKey(key) ? `"${key}"${separator}"${filtered}"` : match),
  },
  {
    applies: (text) => text.includes("'"),
    pattern: /'([^'\\\n]{1,64})'(\s*:\s*)'(?:[^'\\]|\\.)*'/g,
    replace: (match, key, separator) => (isSensitiveKey(key) ? `'${key}'${separator}'${filtered}'` : match),
  },
  {
    // `password=…` in URLs, query strings, env dumps and properties files; anchored on `=`, the key is read backwards.
    applies: (text) => text.includes('='),
    pattern: /=([^\s&#;,"'<>]+)/g,
    replace: (match, value, offset, whole) => {
      const key = /[A-Za-z0-9_.-]{1,64}$/.exec(whole.slice(Math.max(0, Number(offset) - 64), Number(offset)))?.[0];
      return key && isSensitiveKey(key) && value !== filtered ? `=${filtered}` : match;
    },
  },
  {
    applies: (_, lower) => /pass|pwd|secret|token|key/.test(lower),
    pattern:
      /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?token|refresh[_-]?token|client[_-]?secret|private[_-]?key|auth[_-]?token)(\s*:\s*)(?!\[Filtered\])[^\s,;"'<>]+/gi,
    replace: (_, key, separator) => `${key}${separator}${filtered}`,
  },
  {
    applies: (text) => text.length >= 20,
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|AKPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b/g,
    replace: () => filtered,
  },
  {
    applies: (text) => text.length >= 13,
    pattern: /(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w])/g,
    replace: (match) => (isCardNumber(match.replace(/[ -]/g, '')) ? filtered : match),
  },
];

export type ScrubOptions = { extraPatterns?: readonly RegExp[] };

/** Replaces credentials, keys and card numbers in free text with `[Filtered]`. */
export function scrubText(text: string, options: ScrubOptions = {}): string {
  let result = text;
  // Replacements only ever remove text or add "[Filtered]", so one lower-cased copy serves every gate.
  const lower = text.toLowerCase();
  for (const rule of rules) {
    if (rule.applies(result, lower)) {
      result = result.replace(rule.pattern, rule.replace as (match: string, ...rest: unknown[]) => string);
    }
  }
  for (const pattern of options.extraPatterns ?? []) result = result.replace(pattern, filtered);
  return result;
}

const filterValue = (value: unknown) => (value === null || value === undefined || value === '' ? value : filtered);

/**
 * Scrubs JSON: values under sensitive keys become `[Filtered]`, strings are scrubbed as text.
 * Stops at the depth where `boundJson` cuts anyway, so hostile nesting costs nothing.
 */
export function scrubValue(value: unknown, options: ScrubOptions = {}, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value, options);
  if (value === null || typeof value !== 'object' || depth >= defaultJsonBounds.maxDepth) return value;
  if (Array.isArray(value)) {
    // Header lists as Sentry sends them: [["Authorization", "…"], …].
    if (value.length === 2 && typeof value[0] === 'string' && isSensitiveKey(value[0])) {
      return [value[0], filterValue(value[1])];
    }
    return value.map((item) => scrubValue(item, options, depth + 1));
  }
  // fromEntries defines own properties, so a `__proto__` key stays data.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSensitiveKey(key) ? filterValue(item) : scrubValue(item, options, depth + 1)]),
  );
}

type ScrubbableReport = {
  error_type: string;
  message: string;
  stack_trace?: string | null;
  file_path?: string | null;
  tags?: Record<string, string> | null;
  context?: Record<string, unknown> | null;
};

const scrubOptional = (value: string | null | undefined, options: ScrubOptions) =>
  typeof value === 'string' ? scrubText(value, options) : value;

/** The report with every free-text and JSON field scrubbed; runs before anything is truncated or stored. */
export function scrubReport<T extends ScrubbableReport>(report: T, options: ScrubOptions = {}): T {
  const tags = report.tags
    ? Object.fromEntries(Object.entries(report.tags).map(([key, value]) => [key, isSensitiveKey(key) ? filtered : scrubText(value, options)]))
    : report.tags;
  return {
    ...report,
    error_type: scrubText(report.error_type, options),
    message: scrubText(report.message, options),
    stack_trace: scrubOptional(report.stack_trace, options),
    file_path: scrubOptional(report.file_path, options),
    tags,
    context: report.context ? (scrubValue(report.context, options) as Record<string, unknown>) : report.context,
  };
}
