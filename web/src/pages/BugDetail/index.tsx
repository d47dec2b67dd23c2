import { useSignal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import type { Bug, BugDetail, BugPatch, Occurrence, Status } from '../../api/types.ts';
import { LevelBadge, RegressedBadge, SourceBadge, StatusBadge } from '../../components/Badge/index.tsx';
import { AnalysisPanel } from '../../components/AnalysisPanel/index.tsx';
import { BarChart } from '../../components/BarChart/index.tsx';
import { RelativeTime } from '../../components/RelativeTime/index.tsx';
import { ErrorState, Skeleton } from '../../components/States/index.tsx';
import { contextText, exactTime, formatCount, safeHref, statusLabels } from '../../lib/format.ts';
import { useLoader } from '../../lib/use-loader.ts';
import { useAppState } from '../../state/app-state.ts';
import './bug-detail.css';

export function BugDetailPage({ id }: { id: string }) {
  const state = useAppState();
  const bugId = Number(id);
  const detail = useLoader(id, () => state.api.bug(bugId), { live: true });

  return (
    <>
      <a href="/bugs" class="back-link">
        ← All bugs
      </a>
      {detail.error.value && !detail.data.value ? (
        <ErrorState error={detail.error.value} onRetry={detail.reload} />
      ) : !detail.data.value ? (
        <div class="card">
          <Skeleton lines={10} />
        </div>
      ) : (
        <BugView detail={detail.data.value} onChanged={detail.reload} />
      )}
    </>
  );
}

function BugView({ detail, onChanged }: { detail: BugDetail; onChanged: () => void }) {
  const { bug } = detail;
  return (
    <article class="bug-detail" data-bug-id={bug.id} data-source={bug.source}>
      <header class="bug-head">
        <div class="bug-badges">
          <SourceBadge source={bug.source} />
          <LevelBadge level={bug.level} />
          <StatusBadge status={bug.status} />
          {bug.regressed && <RegressedBadge />}
          <span class="muted bug-project">
            {bug.project_id} · {bug.environment}
          </span>
        </div>
        <h1>{bug.error_type}</h1>
        <p class="bug-message">{bug.message}</p>
        <Actions bug={bug} onChanged={onChanged} />
      </header>

      <div class="bug-layout">
        <div class="bug-main">
          {bug.source === 'cicd' && <CicdSection context={bug.context} />}
          {bug.source === 'deployment' && <DeploymentSection context={bug.context} />}
          {bug.stack_trace && (
            <Section title="Stack trace">
              <pre class="log-block" tabIndex={0}>
                {bug.stack_trace}
              </pre>
            </Section>
          )}
          <Section title="Recent occurrences" hint={`${detail.occurrences.length} most recent`}>
            {detail.occurrences.length === 0 ? (
              <p class="muted">Older occurrences were removed by retention.</p>
            ) : (
              <ol class="occurrences">
                {detail.occurrences.map((occurrence) => (
                  <OccurrenceItem key={occurrence.id} occurrence={occurrence} bug={bug} />
                ))}
              </ol>
            )}
          </Section>
        </div>

        <aside class="bug-side">
          <Section title="Details">
            <dl class="facts">
              <Fact label="Occurrences">{formatCount(bug.occurrence_count)}</Fact>
              <Fact label="First seen">
                <RelativeTime iso={bug.first_seen} />
              </Fact>
              <Fact label="Last seen">
                <RelativeTime iso={bug.last_seen} />
              </Fact>
              <Fact label="Status">{statusLabels[bug.status]}{bug.regressed ? ' (regressed)' : ''}</Fact>
              <Fact label="Project">{bug.project_id}</Fact>
              <Fact label="Environment">{bug.environment}</Fact>
              {bug.release && <Fact label="Release">{bug.release}</Fact>}
              {bug.source === 'runtime' && bug.file_path && (
                <Fact label="Location">
                  <code class="file-location">
                    {bug.file_path}:{bug.line_number ?? '?'}
                  </code>
                </Fact>
              )}
              {bug.assignee && <Fact label="Assignee">{bug.assignee}</Fact>}
            </dl>
          </Section>
          <AnalysisPanel detail={detail} onChanged={onChanged} />
          <Section title="Last 24 hours" hint="occurrences per hour">
            <BarChart buckets={detail.hourly_counts} unit="hour" label="Occurrences per hour" height={110} />
          </Section>
          <RepairSection bug={bug} />
        </aside>
      </div>
    </article>
  );
}

const repairHints: Record<Bug['source'], string> = {
  runtime: '',
  cicd: 'The repair agent only fixes runtime bugs. Fix the pipeline, then resolve this bug.',
  deployment: 'The repair agent only fixes runtime bugs. Fix the workload or its cluster, then resolve this bug.',
};

function Actions({ bug, onChanged }: { bug: Bug; onChanged: () => void }) {
  const state = useAppState();
  const busy = useSignal<string | null>(null);

  const apply = async (label: string, patch: BugPatch, done: string) => {
    busy.value = label;
    try {
      await state.api.patchBug(bug.id, patch);
      state.notify('ok', done);
      onChanged();
    } catch (error) {
      state.notify('error', `${label} failed: ${(error as Error).message}`);
    } finally {
      busy.value = null;
    }
  };

  const statusButton = (label: string, status: NonNullable<BugPatch['status']>, done: string, primary = false) => (
    <button
      type="button"
      class={`button ${primary ? 'button-primary' : ''}`}
      disabled={busy.value !== null}
      onClick={() => apply(label, { status }, done)}
    >
      {busy.value === label ? `${label}…` : label}
    </button>
  );

  const canRepair = bug.source === 'runtime';
  const alreadyQueued = canRepair && bug.status === 'new';
  const hint = !canRepair ? repairHints[bug.source] : alreadyQueued ? 'Already waiting for the repair agent.' : 'Puts the bug back in the repair agent’s queue.';
  const reopenable: Status[] = ['fixed', 'resolved', 'ignored'];

  return (
    <div class="bug-actions">
      <div class="action-group" role="group" aria-label="Status">
        {bug.status !== 'resolved' && statusButton('Resolve', 'resolved', 'Bug resolved', true)}
        {bug.status !== 'ignored' && statusButton('Ignore', 'ignored', 'Bug ignored')}
        {reopenable.includes(bug.status) && statusButton('Reopen', 'new', 'Bug reopened')}
      </div>
      <div class="repair-action">
        <button
          type="button"
          class="button"
          disabled={!canRepair || alreadyQueued || busy.value !== null}
          aria-describedby="repair-hint"
          onClick={() => apply('Trigger repair', { status: 'new' }, 'Queued for the repair agent')}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true" class="button-icon">
            <path d="M14.7 6.3a4 4 0 0 0-5.4 5.2L3 17.8 6.2 21l6.3-6.3a4 4 0 0 0 5.2-5.4l-2.5 2.5-2.4-.6-.6-2.4z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
          </svg>
          {busy.value === 'Trigger repair' ? 'Triggering…' : 'Trigger repair'}
        </button>
        <span id="repair-hint" class="repair-hint">
          {hint}
        </span>
      </div>
    </div>
  );
}

function Section({ title, hint, children }: { title: string; hint?: string; children: ComponentChildren }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class="card" aria-labelledby={id}>
      <div class="card-head">
        <h2 id={id}>{title}</h2>
        {hint && <span class="hint">{hint}</span>}
      </div>
      <div class="card-body">{children}</div>
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const text = (context: Record<string, unknown>, key: string) => contextText(context[key]);

function CicdSection({ context }: { context: Record<string, unknown> }) {
  const runUrl = safeHref(context.run_url);
  const run = text(context, 'run_number') || text(context, 'run_id');
  const commit = text(context, 'commit_sha');
  return (
    <section class="card source-section section-cicd" aria-labelledby="cicd-title" data-section="cicd">
      <div class="card-head">
        <h2 id="cicd-title">CI/CD run</h2>
        {runUrl && (
          <a href={runUrl} target="_blank" rel="noopener noreferrer" class="button button-small">
            Open run ↗
          </a>
        )}
      </div>
      <div class="card-body">
        <dl class="facts facts-grid">
          <Fact label="Workflow">{text(context, 'workflow') || '—'}</Fact>
          <Fact label="Job">{text(context, 'job_name') || '—'}</Fact>
          <Fact label="Step">{text(context, 'step_name') || '—'}</Fact>
          <Fact label="Run">{run ? `#${run}` : '—'}</Fact>
          <Fact label="Branch">{text(context, 'branch') || '—'}</Fact>
          <Fact label="Commit">
            {commit ? (
              <code title={commit}>{commit.slice(0, 12)}</code>
            ) : (
              '—'
            )}
          </Fact>
          {text(context, 'repository') && <Fact label="Repository">{text(context, 'repository')}</Fact>}
          {text(context, 'actor') && <Fact label="Triggered by">{text(context, 'actor')}</Fact>}
        </dl>
        {text(context, 'log_tail') && (
          <>
            <h3 class="subhead">Log tail</h3>
            <pre class="log-block" tabIndex={0}>
              {text(context, 'log_tail')}
            </pre>
          </>
        )}
      </div>
    </section>
  );
}

function DeploymentSection({ context }: { context: Record<string, unknown> }) {
  return (
    <section class="card source-section section-deployment" aria-labelledby="deployment-title" data-section="deployment">
      <div class="card-head">
        <h2 id="deployment-title">Deployment</h2>
        {text(context, 'reason') && <span class="badge badge-deployment">{text(context, 'reason')}</span>}
      </div>
      <div class="card-body">
        <dl class="facts facts-grid">
          <Fact label="Namespace">{text(context, 'namespace') || '—'}</Fact>
          <Fact label="Workload">{text(context, 'deployment_name') || '—'}</Fact>
          <Fact label="Pod">{text(context, 'pod_name') || '—'}</Fact>
          <Fact label="Container">{text(context, 'container_name') || '—'}</Fact>
          <Fact label="Restarts">{text(context, 'restart_count') || '0'}</Fact>
          <Fact label="Reason">{text(context, 'reason') || '—'}</Fact>
          <Fact label="Exit code">{text(context, 'exit_code') || '—'}</Fact>
          {text(context, 'node') && <Fact label="Node">{text(context, 'node')}</Fact>}
        </dl>
        {text(context, 'logs') && (
          <>
            <h3 class="subhead">Container logs</h3>
            <pre class="log-block" tabIndex={0}>
              {text(context, 'logs')}
            </pre>
          </>
        )}
      </div>
    </section>
  );
}

function RepairSection({ bug }: { bug: Bug }) {
  const fixUrl = safeHref(bug.fix_url);
  return (
    <Section title="Repair">
      <dl class="facts">
        <Fact label="Attempts">{bug.repair_attempts}</Fact>
        <Fact label="Claimed by">{bug.claimed_by ?? '—'}</Fact>
        {bug.lease_until && (
          <Fact label="Lease until">
            <time dateTime={bug.lease_until}>{exactTime(bug.lease_until)}</time>
          </Fact>
        )}
        {bug.fix_summary && <Fact label="Fix">{bug.fix_summary}</Fact>}
        {(fixUrl || bug.fix_url) && (
          <Fact label="Fix link">
            {fixUrl ? (
              <a href={fixUrl} target="_blank" rel="noopener noreferrer">
                {fixUrl}
              </a>
            ) : (
              bug.fix_url
            )}
          </Fact>
        )}
      </dl>
      {bug.source !== 'runtime' && <p class="muted small">{repairHints[bug.source]}</p>}
    </Section>
  );
}

function OccurrenceItem({ occurrence, bug }: { occurrence: Occurrence; bug: Bug }) {
  const entries = Object.entries(occurrence.context).filter(([key]) => key !== 'log_tail' && key !== 'logs');
  const tags = Object.entries(occurrence.tags);
  return (
    <li class="occurrence">
      <div class="occurrence-head">
        <RelativeTime iso={occurrence.occurred_at} />
        <span class="muted">
          {occurrence.environment}
          {occurrence.release ? ` · ${occurrence.release}` : ''}
        </span>
        <LevelBadge level={occurrence.level} />
      </div>
      {occurrence.message !== bug.message && <p class="occurrence-message">{occurrence.message}</p>}
      {tags.length > 0 && (
        <ul class="tags" aria-label="Tags">
          {tags.map(([key, value]) => (
            <li key={key}>
              <span>{key}</span>
              {value}
            </li>
          ))}
        </ul>
      )}
      {entries.length > 0 && (
        <details>
          <summary>Context ({entries.length})</summary>
          <dl class="context-list">
            {entries.map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>
                  <code>{contextText(value)}</code>
                </dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </li>
  );
}
