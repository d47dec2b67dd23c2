import './filter-row.css';

export type FilterOption = { label: string; href: string; active: boolean; count?: number; value: string };

/** A row of links that set one URL filter; the active one is marked for assistive tech. */
export function FilterRow({ label, options, variant = 'pills' }: { label: string; options: FilterOption[]; variant?: 'pills' | 'tabs' }) {
  return (
    <nav class={`filter-row filter-${variant}`} aria-label={label}>
      {options.map((option) => (
        <a
          key={option.value}
          href={option.href}
          class={option.active ? 'active' : undefined}
          aria-current={option.active ? 'page' : undefined}
          data-value={option.value}
        >
          {option.label}
          {option.count !== undefined && <span class="filter-count">{option.count}</span>}
        </a>
      ))}
    </nav>
  );
}

/** `path?query` with `changes` applied; empty values drop the parameter, and any change restarts paging. */
export function withQuery(path: string, query: Record<string, string>, changes: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  const merged = { ...query, ...changes };
  if (!('cursor' in changes)) delete merged.cursor;
  for (const [key, value] of Object.entries(merged)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
