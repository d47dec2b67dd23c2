import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { AnalysisSeverity, Bug, Level, Source, Status } from '../../api/types.ts';
import { LevelBadge, RegressedBadge, SourceBadge, StatusBadge } from '../../components/Badge/index.tsx';
import { FilterRow, withQuery } from '../../components/FilterRow/index.tsx';
import { RelativeTime } from '../../components/RelativeTime/index.tsx';
import { EmptyState, ErrorState, Skeleton } from '../../components/States/index.tsx';
import { formatCount, levelLabels, sourceLabels, statusLabels } from '../../lib/format.ts';
import { useLoader } from '../../lib/use-loader.ts';
import { useAppState } from '../../state/app-state.ts';
import './bugs.css';

const sources: Source[] = ['runtime', 'cicd', 'deployment'];
const statuses: Status[] = ['new', 'fixing', 'fixed', 'resolved', 'ignored'];
const levels: Level[] = ['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG'];
const analysisSeverities: AnalysisSeverity[] = ['critical', 'high', 'medium', 'low'];
const sorts = { last_seen: 'Last seen', first_seen: 'First seen', count: 'Most occurrences' } as const;
const pageSize = 25;

/** The list's filters as they appear in the URL, and as the API wants them. */
function apiParams(query: Record<string, string>): URLSearchParams {
  const params = new URLSearchParams({ limit: String(pageSize) });
  const map: Record<string, string> = { project: 'project_id', source: 'source', status: 'status', level: 'level', severity: 'severity', environment: 'environment', q: 'q', sort: 'sort', cursor: 'cursor' };
  for (const [from, to] of Object.entries(map)) if (query[from]) params.set(to, query[from]);
  return params;
}

export function BugsPage() {
  const state = useAppState();
  const { query, route } = useLocation();
  const params = apiParams(query);
  const list = useLoader(params.toString(), () => state.api.bugs(params), { live: true });
  const previous = useSignal<string[]>([]);
  const filterKey = JSON.stringify({ ...query, cursor: undefined });
  const lastFilterKey = useRef(filterKey);
  if (lastFilterKey.current !== filterKey) {
    lastFilterKey.current = filterKey;
    previous.value = [];
  }

  const here = (changes: Record<string, string | undefined>) => withQuery('/bugs', query, changes);
  const project = query.project ?? '';
  const source = query.source ?? '';
  const status = query.status ?? '';

  return (
    <>
      <div class="page-head">
        <div>
          <h1>Bugs</h1>
          <p>Every error, deduplicated by fingerprint. Filters live in the address, so the view can be shared.</p>
        </div>
        <label class="field sort-field">
          Sort by
          <select value={query.sort ?? 'last_seen'} onChange={(e) => route(here({ sort: e.currentTarget.value === 'last_seen' ? '' : e.currentTarget.value }))}>
            {Object.entries(sorts).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>

      <FilterRow
        label="Project"
        variant="tabs"
        options={[
          { value: 'all', label: 'All projects', href: here({ project: '' }), active: !project },
          ...state.projects.value.map((p) => ({ value: p.id, label: p.name, href: here({ project: p.id }), active: project === p.id })),
        ]}
      />
      <div class="bug-filters">
        <FilterRow
          label="Source"
          options={[
            { value: 'all', label: 'All sources', href: here({ source: '' }), active: !source },
            ...sources.map((value) => ({ value, label: sourceLabels[value], href: here({ source: value }), active: source === value })),
          ]}
        />
        <FilterRow
          label="Status"
          options={[
            { value: 'all', label: 'Any status', href: here({ status: '' }), active: !status },
            ...statuses.map((value) => ({ value, label: statusLabels[value], href: here({ status: value }), active: status === value })),
          ]}
        />
        <div class="bug-search-row">
          <SearchBox value={query.q ?? ''} onSearch={(q) => route(here({ q }), true)} />
          <select aria-label="Level" value={query.level ?? ''} onChange={(e) => route(here({ level: e.currentTarget.value }))}>
            <option value="">Any level</option>
            {levels.map((level) => (
              <option key={level} value={level}>
                {levelLabels[level]}
              </option>
            ))}
          </select>
          <select aria-label="Analysed severity" value={query.severity ?? ''} onChange={(e) => route(here({ severity: e.currentTarget.value }))}>
            <option value="">Any analysed severity</option>
            {analysisSeverities.map((severity) => (
              <option key={severity} value={severity}>
                Analysed {severity}
              </option>
            ))}
          </select>
          <EnvironmentBox value={query.environment ?? ''} onChange={(environment) => route(here({ environment }))} />
        </div>
      </div>

      <section class="card bug-list" aria-label="Bug list" aria-busy={list.loading.value}>
        {list.error.value ? (
          <ErrorState error={list.error.value} onRetry={list.reload} />
        ) : !list.data.value ? (
          <Skeleton lines={8} />
        ) : list.data.value.items.length === 0 ? (
          <EmptyState title={Object.keys(query).length ? 'No bugs match these filters' : 'No bugs yet'}>
            {Object.keys(query).length ? (
              <>
                Try another filter, or <a href="/bugs">clear them all</a>.
              </>
            ) : (
              <>
                Send a first report: <a href="/settings">Settings</a> has a key and copy-paste snippets.
              </>
            )}
          </EmptyState>
        ) : (
          <BugTable bugs={list.data.value.items} onOpen={(id) => route(`/bugs/${id}`)} />
        )}
      </section>

      {list.data.value && (query.cursor || list.data.value.next_cursor) && (
        <nav class="pager" aria-label="Pages">
          {query.cursor ? (
            <a
              class="button"
              href={here({ cursor: previous.value.at(-1) ?? '' })}
              onClick={() => {
                previous.value = previous.value.slice(0, -1);
              }}
            >
              {previous.value.length ? '← Previous' : '← First page'}
            </a>
          ) : (
            <span />
          )}
          {list.data.value.next_cursor && (
            <a
              class="button"
              href={here({ cursor: list.data.value.next_cursor })}
              onClick={() => {
                previous.value = [...previous.value, query.cursor ?? ''];
              }}
            >
              Next →
            </a>
          )}
        </nav>
      )}
    </>
  );
}

function BugTable({ bugs, onOpen }: { bugs: Bug[]; onOpen: (id: number) => void }) {
  return (
    <div class="table-wrap">
      <table class="bug-table">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Level</th>
            <th scope="col">Error type</th>
            <th scope="col">Message</th>
            <th scope="col">File</th>
            <th scope="col" class="num">
              Count
            </th>
            <th scope="col">First seen</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {bugs.map((bug) => (
            <tr
              key={bug.id}
              data-bug-id={bug.id}
              data-source={bug.source}
              onClick={(event) => {
                if (!(event.target as HTMLElement).closest('a')) onOpen(bug.id);
              }}
            >
              <td class="cell-source">
                <SourceBadge source={bug.source} />
              </td>
              <td class="cell-level">
                <LevelBadge level={bug.level} />
              </td>
              <td class="cell-type">
                <a href={`/bugs/${bug.id}`}>{bug.error_type}</a>
                <span class="cell-type-badges">
                  {bug.status !== 'new' && <StatusBadge status={bug.status} />}
                  {bug.regressed && <RegressedBadge />}
                </span>
              </td>
              <td class="cell-message" title={bug.message}>
                {bug.message}
              </td>
              <td class="cell-file mono">{bug.file_path ? `${bug.file_path}:${bug.line_number ?? '?'}` : '-'}</td>
              <td class="cell-count num">{formatCount(bug.occurrence_count)}</td>
              <td class="cell-first">
                <RelativeTime iso={bug.first_seen} />
              </td>
              <td class="cell-last">
                <RelativeTime iso={bug.last_seen} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Search as you type, without a request per keystroke. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const text = useSignal(value);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    if (document.activeElement?.id !== 'bug-search') text.value = value;
  }, [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <form
      class="search-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        clearTimeout(timer.current);
        onSearch(text.value.trim());
      }}
    >
      <label for="bug-search" class="visually-hidden">
        Search bugs
      </label>
      <input
        id="bug-search"
        type="search"
        placeholder="Search error type, message, file…"
        value={text.value}
        onInput={(e) => {
          text.value = e.currentTarget.value;
          clearTimeout(timer.current);
          timer.current = setTimeout(() => onSearch(text.value.trim()), 300);
        }}
      />
    </form>
  );
}

function EnvironmentBox({ value, onChange }: { value: string; onChange: (environment: string) => void }) {
  const text = useSignal(value);
  useEffect(() => {
    text.value = value;
  }, [value]);
  const apply = () => {
    if (text.value.trim() !== value) onChange(text.value.trim());
  };
  return (
    <input
      aria-label="Environment"
      placeholder="Environment"
      class="environment-box"
      value={text.value}
      onInput={(e) => (text.value = e.currentTarget.value)}
      onBlur={apply}
      onKeyDown={(e) => e.key === 'Enter' && apply()}
    />
  );
}
