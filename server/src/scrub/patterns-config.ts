/**
 * Splits `LOG_CENTER_SCRUB_PATTERNS` on top-level commas: a comma inside `[…]`, `{…}`, `(…)`
 * or after a backslash belongs to its pattern, so `\d{3,4}` needs no escaping.
 */
export function splitPatternList(raw: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (char === '\\' && i + 1 < raw.length) {
      current += char + raw[++i];
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(' || char === '{') {
      depth++;
    } else if ((char === ')' || char === '}') && depth > 0) {
      depth--;
    } else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

/** Each pattern as `regex` or `/regex/flags`; always global. Throws naming the pattern that does not compile. */
export function parseScrubPatterns(raw: string | undefined): RegExp[] {
  if (!raw) return [];
  return splitPatternList(raw).map((source) => {
    const literal = /^\/(.+)\/([dimsuy]*)$/s.exec(source);
    const [body, flags] = literal ? [literal[1], literal[2]] : [source, ''];
    let pattern: RegExp;
    try {
      pattern = new RegExp(body, `${flags}g`);
    } catch (error) {
      throw new Error(`"${source}" is not a valid regular expression (${(error as Error).message})`);
    }
    if (pattern.test('')) throw new Error(`"${source}" matches the empty string`);
    return pattern;
  });
}
