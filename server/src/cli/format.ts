/** Left-aligned columns; the last column is cut to `maxLastWidth` so rows stay on one line. */
export function table(headers: string[], rows: string[][], maxLastWidth = 80): string {
  const cells = rows.map((row) =>
    row.map((cell, i) => {
      const flat = cell.replace(/\s+/g, ' ');
      return i === row.length - 1 ? truncate(flat, maxLastWidth) : flat;
    }),
  );
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** `5s ago`, `3m ago`, `2h ago`, `4d ago`; the ISO time past a month. */
export function ago(iso: string, now: Date): string {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  if (seconds < 30 * 86_400) return `${Math.floor(seconds / 86_400)}d ago`;
  return iso.slice(0, 10);
}

export const json = (value: unknown) => JSON.stringify(value, null, 2);
