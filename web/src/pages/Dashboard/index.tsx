import { useLocation } from 'preact-iso';
import type { Bug, Level, Source, Stats, Status } from '../../api/types.ts';
import { LevelBadge, SourceBadge, StatusBadge } from '../../components/Badge/index.tsx';
import { BarChart } from '../../components/BarChart/index.tsx';
import { FilterRow, withQuery } from '../../components/FilterRow/index.tsx';
import { RelativeTime } from '../../components/RelativeTime/index.tsx';
import { EmptyState, ErrorState, Skeleton } from '../../components/States/index.tsx';
import { formatCount, levelLabels, sourceLabels, statusLabels } from '../../lib/format.ts';
import { useLoader } from '../../lib/use-loader.ts';
import { useAppState } from '../../state/app-state.ts';
import './dashboard.css';

const sources: Source[] = ['runtime', 'cicd', 'deployment'];
const statuses: Status[] = ['new', 'fixing', 'fixed', 'resolved', 'ignored'];
const levels: Level[] = ['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG'];
const ranges = { '24h': 'Last 24 hours', '14d': 'Last 14 days' } as const;
type Range = keyof typeof ranges;

export function DashboardPage() {
  const state = useAppState();
  const { query, route } = useLocation();
  const project = query.project ?? '';
  const source = (sources as string[]).includes(query.source) ? (query.source as Source) : undefined;
  const range: Range = query.range === '14d' ? '14d' : '24h';

  const stats = useLoader(
    `${project}|${source}|${range}`,
    () => state.api.stats({ project_id: project || undefined, source, since: range, bucket: range === '24h' ? 'hour' : 'day' }),
    { live: true },
  );
  const bugsLink = (extra: Record<string, string>) => withQuery('/bugs', {}, { project, source: source ?? '', ...extra });

  return (
    <>
      <div class="page-head">
        <div>
          <h1>Overview</h1>
          <p>{ranges[range]}{project ? ` · ${project}` : ' · all projects'}</p>
        </div>
        <div class="dashboard-filters">
          <label class="field field-inline">
            <span class="visually-hidden">Project</span>
            <select
              aria-label="Project"
              value={project}
              onChange={(e) => route(withQuery('/', query, { project: e.currentTarget.value }))}
            >
              <option value="">All projects</option>
              {state.projects.value.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name === p.id ? p.id : `${p.name} (${p.id})`}
                </option>
              ))}
            </select>
          </label>
          <FilterRow
            label="Time range"
            options={(Object.keys(ranges) as Range[]).map((value) => ({
              value,
              label: value === '24h' ? '24 h' : '14 days',
              href: withQuery('/', query, { range: value === '24h' ? '' : value }),
              active: value === range,
            }))}
          />
        </div>
      </div>
      <FilterRow
        label="Source"
        options={[
          { value: 'all', label: 'All sources', href: withQuery('/', query, { source: '' }), active: !source },
          ...sources.map((value) => ({ value, label: sourceLabels[value], href: withQuery('/', query, { source: value }), active: source === value })),
        ]}
      />
      <div class="dashboard-body">
        {stats.error.value && !stats.data.value ? (
          <ErrorState error={stats.error.value} onRetry={stats.reload} />
        ) : !stats.data.value ? (
          <div class="card">
            <Skeleton lines={8} />
          </div>
        ) : (
          <Figures stats={stats.data.value} range={range} bugsLink={bugsLink} />
        )}
      </div>
    </>
  );
}

function Figures({ stats, range, bugsLink }: { stats: Stats; range: Range; bugsLink: (extra: Record<string, string>) => string }) {
  const open = stats.by_status.new + stats.by_status.fixing;
  const sourceTotal = Math.max(1, sources.reduce((sum, s) => sum + stats.source_distribution[s], 0));
  return (
    <div class="dashboard-grid">
      <section class="kpis" aria-label="Totals">
        <Kpi label="Bugs" value={stats.total_bugs} href={bugsLink({})} />
        <Kpi label="Occurrences" value={stats.total_occurrences} />
        <Kpi label="Open" value={open} href={bugsLink({ status: 'new,fixing' })} tone="accent" />
        <Kpi label="Critical" value={stats.by_level.CRITICAL} href={bugsLink({ level: 'CRITICAL' })} tone="critical" />
      </section>

      <section class="card trend" aria-labelledby="trend-title">
        <div class="card-head">
          <h2 id="trend-title">Occurrences</h2>
          <span class="hint">{range === '24h' ? 'per hour, last 24 hours' : 'per day, last 14 days'}</span>
        </div>
        <div class="card-body">
          <BarChart buckets={stats.trend} unit={stats.trend_bucket} label="Occurrences over time" height={220} />
        </div>
      </section>

      <section class="card sources" aria-labelledby="sources-title">
        <div class="card-head">
          <h2 id="sources-title">Source distribution</h2>
          <span class="hint">bugs per source</span>
        </div>
        <ul class="source-list">
          {sources.map((source) => {
            const count = stats.source_distribution[source];
            return (
              <li key={source} data-source={source}>
                <a href={bugsLink({ source })} class="source-row">
                  <SourceBadge source={source} />
                  <span class="source-count">{formatCount(count)}</span>
                  <span class="source-occurrences muted">{formatCount(stats.occurrences_by_source[source])} {stats.occurrences_by_source[source] === 1 ? 'occurrence' : 'occurrences'}</span>
                  <span class="meter" aria-hidden="true">
                    <span class={`meter-fill meter-${source}`} style={{ width: `${(count / sourceTotal) * 100}%` }} />
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
      </section>

      <section class="card breakdown" aria-labelledby="status-title">
        <div class="card-head">
          <h2 id="status-title">By status</h2>
        </div>
        <CountList
          rows={statuses.map((status) => ({ key: status, label: <StatusBadge status={status} />, count: stats.by_status[status], href: bugsLink({ status }), name: statusLabels[status] }))}
        />
      </section>

      <section class="card breakdown" aria-labelledby="level-title">
        <div class="card-head">
          <h2 id="level-title">By level</h2>
        </div>
        <CountList
          rows={levels.map((level) => ({ key: level, label: <LevelBadge level={level} />, count: stats.by_level[level], href: bugsLink({ level }), name: levelLabels[level] }))}
        />
      </section>

      <section class="card top-bugs" aria-labelledby="top-title">
        <div class="card-head">
          <h2 id="top-title">Top bugs</h2>
          <a href={bugsLink({ sort: 'count' })} class="hint">
            All bugs →
          </a>
        </div>
        {stats.top_bugs.length === 0 ? (
          <EmptyState title="No bugs in this window">Nothing was reported here. Errors show up as soon as a reporter sends them.</EmptyState>
        ) : (
          <ol class="top-list">
            {stats.top_bugs.slice(0, 8).map((bug) => (
              <TopBug key={bug.id} bug={bug} />
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function Kpi({ label, value, href, tone }: { label: string; value: number; href?: string; tone?: 'accent' | 'critical' }) {
  const body = (
    <>
      <span class="kpi-label">{label}</span>
      <span class="kpi-value">{formatCount(value)}</span>
    </>
  );
  return href ? (
    <a class={`card kpi ${tone ? `kpi-${tone}` : ''}`} href={href}>
      {body}
    </a>
  ) : (
    <div class="card kpi">{body}</div>
  );
}

type CountRow = { key: string; label: preact.ComponentChildren; count: number; href: string; name: string };

function CountList({ rows }: { rows: CountRow[] }) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <ul class="count-list">
      {rows.map((row) => (
        <li key={row.key}>
          <a href={row.href} aria-label={`${row.name}: ${row.count}`}>
            <span class="count-label">{row.label}</span>
            <span class="meter" aria-hidden="true">
              <span class="meter-fill" style={{ width: `${(row.count / max) * 100}%` }} />
            </span>
            <span class="count-value">{formatCount(row.count)}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

function TopBug({ bug }: { bug: Bug }) {
  return (
    <li>
      <a href={`/bugs/${bug.id}`} class="top-bug">
        <SourceBadge source={bug.source} />
        <span class="top-bug-main">
          <span class="top-bug-type">{bug.error_type}</span>
          <span class="top-bug-message">{bug.message}</span>
        </span>
        <span class="top-bug-meta">
          <span class="top-bug-count">{formatCount(bug.occurrence_count)}×</span>
          <RelativeTime iso={bug.last_seen} />
        </span>
      </a>
    </li>
  );
}
