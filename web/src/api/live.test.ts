import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { followBugStream, type LiveStatus } from './live.ts';
import type { StreamEvent } from './types.ts';

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onerror: (() => void) | null = null;
  private readonly listeners = new Map<string, ((event: { data: string }) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, listener: (event: { data: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(type: string, data = '{}') {
    if (type === 'ready') this.readyState = FakeEventSource.OPEN;
    for (const listener of this.listeners.get(type) ?? []) listener({ data });
  }
  drop(browserGivesUp: boolean) {
    this.readyState = browserGivesUp ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.onerror?.();
  }
}

const latest = () => FakeEventSource.instances.at(-1)!;

function follow(shouldReconnect = async () => true) {
  const events: (StreamEvent | null)[] = [];
  const statuses: LiveStatus[] = [];
  const stop = followBugStream({ onEvent: (e) => events.push(e), onStatus: (s) => statuses.push(s), shouldReconnect });
  return { events, statuses, stop };
}

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('followBugStream', () => {
  it('relays bug events and reports the connection as live', () => {
    const live = follow();
    latest().emit('ready');
    const event: StreamEvent = { type: 'bug.created', bug_id: 7, project_id: 'shop', source: 'cicd' };
    latest().emit('bug.created', JSON.stringify(event));
    expect(live.statuses.at(-1)).toBe('live');
    expect(live.events).toEqual([event]);
    live.stop();
  });

  it('reconnects after a dropped connection the browser gave up on, then asks for a refetch', async () => {
    const live = follow();
    latest().emit('ready');
    latest().drop(true);
    expect(live.statuses.at(-1)).toBe('offline');
    expect(FakeEventSource.instances).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.instances[0].readyState).toBe(FakeEventSource.CLOSED);
    latest().emit('ready');
    expect(live.statuses.at(-1)).toBe('live');
    expect(live.events).toEqual([null]);
    live.stop();
  });

  it('backs off while the server stays away, and leaves retries to the browser when it is still trying', async () => {
    const live = follow();
    latest().drop(false);
    expect(live.statuses.at(-1)).toBe('connecting');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeEventSource.instances).toHaveLength(1);

    latest().drop(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeEventSource.instances).toHaveLength(2);
    latest().drop(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeEventSource.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeEventSource.instances).toHaveLength(3);
    live.stop();
  });

  it('stops when the session has ended, and on stop()', async () => {
    const live = follow(async () => false);
    latest().drop(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeEventSource.instances).toHaveLength(1);

    const other = follow();
    other.stop();
    expect(latest().readyState).toBe(FakeEventSource.CLOSED);
    live.stop();
  });

  it('asks for a refetch when the server says the client fell behind', () => {
    const live = follow();
    latest().emit('ready');
    latest().emit('resync');
    expect(live.events).toEqual([null]);
    live.stop();
  });
});
