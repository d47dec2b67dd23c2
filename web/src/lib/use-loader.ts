import { type Signal, useSignal, useSignalEffect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { useAppState } from '../state/app-state.ts';

export type Loader<T> = {
  data: Signal<T | undefined>;
  error: Signal<ApiError | null>;
  loading: Signal<boolean>;
  reload: () => void;
};

/**
 * Loads `load()` whenever `key` changes, and again when the live stream announces a bug change.
 * Live refreshes are coalesced: at most one request in flight and one queued.
 */
export function useLoader<T>(key: string, load: () => Promise<T>, options: { live?: boolean } = {}): Loader<T> {
  const state = useAppState();
  const data = useSignal<T | undefined>(undefined);
  const error = useSignal<ApiError | null>(null);
  const loading = useSignal(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useRef({ generation: 0, busy: false, queued: false, seenChanges: state.changes.peek() });

  const fetchNow = async (generation: number) => {
    const r = run.current;
    r.busy = true;
    try {
      const value = await loadRef.current();
      if (generation === r.generation) {
        data.value = value;
        error.value = null;
      }
    } catch (caught) {
      if (generation === r.generation) {
        error.value = caught instanceof ApiError ? caught : new ApiError(0, 'client_error', (caught as Error).message);
      }
    } finally {
      if (generation === r.generation) loading.value = false;
      r.busy = false;
      if (r.queued) {
        r.queued = false;
        void fetchNow(r.generation);
      }
    }
  };

  const refresh = () => {
    if (run.current.busy) run.current.queued = true;
    else void fetchNow(run.current.generation);
  };

  useEffect(() => {
    run.current.generation++;
    run.current.queued = false;
    loading.value = true;
    void fetchNow(run.current.generation);
  }, [key]);

  useSignalEffect(() => {
    const changes = state.changes.value;
    if (!options.live || changes === run.current.seenChanges) return;
    run.current.seenChanges = changes;
    refresh();
  });

  return { data, error, loading, reload: refresh };
}
