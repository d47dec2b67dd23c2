import type { ComponentChildren } from 'preact';
import type { ApiError } from '../../api/client.ts';
import './states.css';

export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty" role="status">
      <svg viewBox="0 0 48 48" aria-hidden="true" class="state-icon">
        <circle cx="24" cy="24" r="20" fill="none" stroke="currentColor" stroke-width="2.5" />
        <path d="M16 25l6 6 11-13" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" />
      </svg>
      <h3>{title}</h3>
      {children && <p>{children}</p>}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <h3>{error.status === 404 ? 'Not found' : 'Something went wrong'}</h3>
      <p>{error.message}</p>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Skeleton({ lines = 5 }: { lines?: number }) {
  return (
    <div class="skeleton" aria-busy="true" aria-label="Loading">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} class="skeleton-line" />
      ))}
    </div>
  );
}
