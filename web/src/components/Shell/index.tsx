import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { type Theme, useAppState } from '../../state/app-state.ts';
import './shell.css';

const links = [
  { href: '/', label: 'Dashboard', match: (path: string) => path === '/' },
  { href: '/bugs', label: 'Bugs', match: (path: string) => path.startsWith('/bugs') },
  { href: '/alerts', label: 'Alerts', match: (path: string) => path.startsWith('/alerts') },
  { href: '/settings', label: 'Settings', match: (path: string) => path.startsWith('/settings') },
];

const liveLabels = { live: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;
const nextTheme: Record<Theme, Theme> = { system: 'dark', dark: 'light', light: 'system' };
const themeLabels: Record<Theme, string> = { system: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' };

export function Logo() {
  return (
    <svg viewBox="0 0 32 32" class="logo" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="var(--accent)" />
      <path d="M9 8v16h14" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round" />
      <circle cx="21" cy="11" r="3" fill="#fbbf24" />
    </svg>
  );
}

export function Shell({ children }: { children: ComponentChildren }) {
  const state = useAppState();
  const { path } = useLocation();
  const live = state.live.value;
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a href="/" class="brand">
          <Logo />
          <span>Log Center</span>
        </a>
        <nav class="main-nav" aria-label="Main">
          {links.map((link) => (
            <a key={link.href} href={link.href} aria-current={link.match(path) ? 'page' : undefined}>
              {link.label}
            </a>
          ))}
        </nav>
        <div class="topbar-actions">
          <span class={`live live-${live}`} role="status" title="Live updates from the server" data-live={live}>
            <span class="live-dot" aria-hidden="true" />
            <span class="live-label">{liveLabels[live]}</span>
          </span>
          <button
            type="button"
            class="icon-button"
            onClick={() => state.setTheme(nextTheme[state.theme.value])}
            title={themeLabels[state.theme.value]}
            aria-label={`${themeLabels[state.theme.value]}; switch to ${nextTheme[state.theme.value]}`}
          >
            <ThemeIcon theme={state.theme.value} />
          </button>
          <button type="button" class="button button-ghost button-small" onClick={() => state.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <Toasts />
    </div>
  );
}

function ThemeIcon({ theme }: { theme: Theme }) {
  if (theme === 'dark') {
    return (
      <svg viewBox="0 0 24 24" aria-hidden="true">
        <path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z" fill="currentColor" />
      </svg>
    );
  }
  if (theme === 'light') {
    return (
      <svg viewBox="0 0 24 24" aria-hidden="true">
        <circle cx="12" cy="12" r="4.5" fill="currentColor" />
        <path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
      </svg>
    );
  }
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="12" cy="12" r="8.5" fill="none" stroke="currentColor" stroke-width="2" />
      <path d="M12 3.5a8.5 8.5 0 0 1 0 17z" fill="currentColor" />
    </svg>
  );
}

function Toasts() {
  const state = useAppState();
  return (
    <div class="toasts" aria-live="polite">
      {state.toasts.value.map((toast) => (
        <div key={toast.id} class={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          {toast.text}
        </div>
      ))}
    </div>
  );
}
