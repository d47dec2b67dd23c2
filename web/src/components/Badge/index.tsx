import type { Level, Source, Status } from '../../api/types.ts';
import { levelLabels, sourceLabels, statusLabels } from '../../lib/format.ts';
import './badge.css';

export function SourceBadge({ source }: { source: Source }) {
  return (
    <span class={`badge badge-source badge-${source}`} data-source={source}>
      {sourceLabels[source]}
    </span>
  );
}

export function LevelBadge({ level }: { level: Level }) {
  return (
    <span class={`level level-${level.toLowerCase()}`} data-level={level}>
      <span class="level-dot" aria-hidden="true" />
      {levelLabels[level]}
    </span>
  );
}

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span class={`badge badge-status status-${status}`} data-status={status}>
      {statusLabels[status]}
    </span>
  );
}

export function RegressedBadge() {
  return (
    <span class="badge badge-regressed" title="It came back after being fixed or resolved">
      Regressed
    </span>
  );
}
