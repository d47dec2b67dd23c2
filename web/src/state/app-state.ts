import { batch, computed, signal } from '@preact/signals';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiError, type Api, createApi } from '../api/client.ts';
import { followBugStream, type LiveStatus } from '../api/live.ts';
import type { Project, StreamEvent } from '../api/types.ts';

export type SessionStatus = 'checking' | 'signed-in' | 'signed-out';
export type Theme = 'light' | 'dark' | 'system';
export type Toast = { id: number; kind: 'ok' | 'error'; text: string };

const themeKey = 'log-center.theme';

/** The dashboard's shared state: session, projects, live updates, theme and toasts. */
export function createAppState(options: { api?: Api; storage?: Storage | null; liveUrl?: string } = {}) {
  const session = signal<SessionStatus>('checking');
  const projects = signal<Project[]>([]);
  const live = signal<LiveStatus>('offline');
  /** Bumped for every bug change the stream announces (or a resync); pages refetch when it moves. */
  const changes = signal(0);
  const lastEvent = signal<StreamEvent | null>(null);
  const toasts = signal<Toast[]>([]);
  const storage = options.storage === undefined ? safeStorage() : options.storage;
  const theme = signal<Theme>((storage?.getItem(themeKey) as Theme | null) ?? 'system');

  const api = options.api ?? createApi({ onUnauthorized: () => endSession() });
  let stopLive: (() => void) | undefined;
  let toastId = 0;

  function endSession() {
    stopLive?.();
    stopLive = undefined;
    batch(() => {
      session.value = 'signed-out';
      live.value = 'offline';
      projects.value = [];
    });
  }

  function startLive() {
    stopLive?.();
    stopLive = followBugStream(
      {
        onEvent: (event) => {
          batch(() => {
            lastEvent.value = event;
            changes.value++;
          });
          // An all-project key creates projects on first report; show them without a reload.
          if (event && !projects.peek().some((p) => p.id === event.project_id)) void loadProjects();
        },
        onStatus: (status) => {
          live.value = status;
        },
        shouldReconnect: async () => (await checkSession()) === 'signed-in',
      },
      options.liveUrl,
    );
  }

  async function signedIn() {
    session.value = 'signed-in';
    startLive();
    await loadProjects();
  }

  async function checkSession(): Promise<SessionStatus> {
    try {
      const state = await api.session();
      if (state.authenticated && session.value !== 'signed-in') await signedIn();
      if (!state.authenticated) endSession();
    } catch {
      // The server is unreachable: keep what we had and let the live stream retry.
      if (session.value === 'checking') session.value = 'signed-out';
    }
    return session.value;
  }

  async function loadProjects() {
    try {
      projects.value = (await api.projects()).items;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) notify('error', `Could not load projects: ${(error as Error).message}`);
    }
  }

  function notify(kind: Toast['kind'], text: string) {
    const toast = { id: ++toastId, kind, text };
    toasts.value = [...toasts.value, toast];
    setTimeout(() => {
      toasts.value = toasts.value.filter((t) => t.id !== toast.id);
    }, 4000);
  }

  // "system" is resolved here, so the stylesheet holds the dark palette once, under [data-theme='dark'].
  const systemDark = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  systemDark?.addEventListener('change', () => {
    if (theme.peek() === 'system') showTheme('system');
  });

  function showTheme(next: Theme) {
    if (typeof document === 'undefined') return;
    document.documentElement.dataset.theme = next === 'system' ? (systemDark?.matches ? 'dark' : 'light') : next;
  }

  function applyTheme(next: Theme) {
    theme.value = next;
    if (next === 'system') storage?.removeItem(themeKey);
    else storage?.setItem(themeKey, next);
    showTheme(next);
  }

  return {
    api,
    session: computed(() => session.value),
    projects: computed(() => projects.value),
    live: computed(() => live.value),
    changes: computed(() => changes.value),
    lastEvent: computed(() => lastEvent.value),
    toasts: computed(() => toasts.value),
    theme: computed(() => theme.value),
    checkSession,
    loadProjects,
    notify,
    setTheme: applyTheme,
    async signIn(token: string) {
      await api.signIn(token);
      await signedIn();
    },
    async signOut() {
      try {
        await api.signOut();
      } finally {
        endSession();
      }
    },
    dispose() {
      stopLive?.();
    },
  };
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export type AppState = ReturnType<typeof createAppState>;

export const AppStateContext = createContext<AppState | null>(null);

export function useAppState(): AppState {
  const state = useContext(AppStateContext);
  if (!state) throw new Error('useAppState outside <AppStateContext.Provider>');
  return state;
}
