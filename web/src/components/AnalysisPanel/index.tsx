import { useSignal } from '@preact/signals';
import type { AnalysisSeverity, BugDetail } from '../../api/types.ts';
import { RelativeTime } from '../RelativeTime/index.tsx';
import { useAppState } from '../../state/app-state.ts';
import './analysis-panel.css';

const severityLabels: Record<AnalysisSeverity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

const jobLabels: Record<string, string> = {
  pending: 'Waiting for the model…',
  running: 'The model is analysing this bug…',
  failed: 'The analysis failed',
};

/** The language model's diagnosis of a bug; shown only where analysis is configured and queued. */
export function AnalysisPanel({ detail, onChanged }: { detail: BugDetail; onChanged: () => void }) {
  const state = useAppState();
  const busy = useSignal(false);
  const { analysis, analysis_job: job } = detail;
  if (!analysis && !job) return null;

  const reanalyze = async () => {
    busy.value = true;
    try {
      await state.api.analyzeBug(detail.bug.id);
      state.notify('ok', 'Queued for analysis');
      onChanged();
    } catch (error) {
      state.notify('error', `Re-analyze failed: ${(error as Error).message}`);
    } finally {
      busy.value = false;
    }
  };

  const waiting = job && job.status !== 'done';
  return (
    <section class="card analysis-panel" aria-labelledby="analysis-title" data-section="analysis">
      <div class="card-head">
        <h2 id="analysis-title">Analysis</h2>
        {analysis && (
          <span class={`badge severity severity-${analysis.severity}`} data-severity={analysis.severity}>
            {severityLabels[analysis.severity]}
          </span>
        )}
      </div>
      <div class="card-body">
        {waiting && (
          <p class={`analysis-status ${job.status === 'failed' ? 'analysis-failed' : 'muted'}`} role="status">
            {jobLabels[job.status] ?? job.status}
            {job.status === 'failed' && job.last_error ? `: ${job.last_error}` : ''}
          </p>
        )}
        {analysis && (
          <dl class="analysis-facts">
            <dt>Summary</dt>
            <dd class="analysis-summary">{analysis.summary}</dd>
            <dt>Probable cause</dt>
            <dd class="analysis-cause">{analysis.probable_cause}</dd>
            <dt>Suggested fix</dt>
            <dd class="analysis-fix">{analysis.suggested_fix}</dd>
            <dt>Category</dt>
            <dd>
              {analysis.category} · {Math.round(analysis.confidence * 100)}% confident
            </dd>
            <dt>Model</dt>
            <dd class="analysis-model">
              <code>{analysis.model}</code> · <RelativeTime iso={analysis.analyzed_at} />
            </dd>
          </dl>
        )}
        <button type="button" class="button button-small" disabled={busy.value || job?.status === 'pending'} onClick={reanalyze}>
          {busy.value ? 'Queueing…' : 'Re-analyze'}
        </button>
      </div>
    </section>
  );
}
