import type { StreamEvent } from './types.ts';

export type LiveStatus = 'connecting' | 'live' | 'offline';

export type LiveHandlers = {
  onEvent: (event: StreamEvent | null) => void;
  onStatus: (status: LiveStatus) => void;
  /** Asked before reconnecting a closed stream; false stops trying (e.g. the session ended). */
  shouldReconnect: () => Promise<boolean>;
};

const maxBackoffMs = 30_000;

/**
 * Follows `GET /api/v1/stream`. The browser retries dropped connections itself; when it gives up
 * (an HTTP error, a restarted server) this reconnects with backoff. After any reconnect, `onEvent(null)`
 * asks the page to refetch, since events sent while offline are gone.
 */
export function followBugStream(handlers: LiveHandlers, url = '/api/v1/stream'): () => void {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoffMs = 1000;
  let connectedBefore = false;
  let stopped = false;

  const connect = () => {
    if (stopped) return;
    handlers.onStatus('connecting');
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener('ready', () => {
      handlers.onStatus('live');
      backoffMs = 1000;
      if (connectedBefore) handlers.onEvent(null);
      connectedBefore = true;
    });
    const relay = (message: MessageEvent<string>) => {
      try {
        handlers.onEvent(JSON.parse(message.data) as StreamEvent);
      } catch {
        handlers.onEvent(null);
      }
    };
    for (const type of ['bug.created', 'bug.updated', 'bug.regressed']) source.addEventListener(type, relay as EventListener);
    source.addEventListener('resync', () => handlers.onEvent(null));
    source.onerror = () => {
      if (stopped || !source) return;
      if (source.readyState !== EventSource.CLOSED) {
        handlers.onStatus('connecting');
        return;
      }
      handlers.onStatus('offline');
      source.close();
      const wait = backoffMs;
      backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
      timer = setTimeout(async () => {
        if (await handlers.shouldReconnect().catch(() => true)) connect();
      }, wait);
    };
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
