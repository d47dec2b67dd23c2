/** A strict reader of the Prometheus text exposition format (0.0.4), for tests and `doctor`-style checks. */

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Family = { name: string; type: string; help: string; samples: Sample[] };

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const labelPair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  // Prometheus reads values with Go's ParseFloat, which takes Inf and NaN in any case.
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value "${text}"`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = labelPair.exec(rest);
    if (!match) throw new Error(`line ${line}: bad labels "${text}"`);
    if (match[1] in labels) throw new Error(`line ${line}: label ${match[1]} twice`);
    labels[match[1]] = match[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(match[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.length > 0) throw new Error(`line ${line}: bad labels "${text}"`);
  }
  return labels;
}

const familyOf = (sample: string, families: Map<string, Family>): Family | undefined => {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suffix)) {
      const family = families.get(sample.slice(0, -suffix.length));
      if (family && (family.type === 'histogram' || family.type === 'summary')) return family;
    }
  }
  return undefined;
};

/** Parses and checks the text: every sample belongs to a declared family, histograms are cumulative. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const [, keyword, name, ...rest] = raw.split(' ');
      if (keyword !== 'HELP' && keyword !== 'TYPE') return;
      if (!metricName.test(name ?? '')) throw new Error(`line ${line}: bad metric name in "${raw}"`);
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (keyword === 'TYPE') {
        if (!types.has(rest[0])) throw new Error(`line ${line}: unknown type "${rest[0]}"`);
        if (family.samples.length > 0) throw new Error(`line ${line}: TYPE after samples of ${name}`);
        family.type = rest[0];
      } else family.help = rest.join(' ');
      families.set(name, family);
      return;
    }
    const match = sampleLine.exec(raw);
    if (!match) throw new Error(`line ${line}: not a sample: "${raw}"`);
    const family = familyOf(match[1], families);
    if (!family) throw new Error(`line ${line}: sample ${match[1]} has no # TYPE`);
    family.samples.push({ name: match[1], labels: parseLabels(match[3] ?? '', line), value: parseValue(match[4], line) });
  });

  for (const family of families.values()) {
    if (family.type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const sample of family.samples.filter((s) => s.name === `${family.name}_bucket`)) {
      const { le: _le, ...rest } = sample.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      const bounds = buckets.map((b) => parseValue(b.labels.le, 0));
      for (let i = 1; i < buckets.length; i++) {
        if (bounds[i] <= bounds[i - 1] || buckets[i].value < buckets[i - 1].value) {
          throw new Error(`${family.name}${key}: buckets are not cumulative`);
        }
      }
      if (bounds.at(-1) !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${key}: no le="+Inf" bucket`);
      const count = family.samples.find(
        (s) => s.name === `${family.name}_count` && JSON.stringify(s.labels) === key,
      );
      if (count?.value !== buckets.at(-1)?.value) throw new Error(`${family.name}${key}: _count differs from the +Inf bucket`);
    }
  }
  return families;
}

/** The value of one sample, 0 when the series does not exist yet. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) return sample.value;
    }
  }
  return 0;
}
