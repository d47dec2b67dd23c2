import { useEffect } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import { Shell } from './components/Shell/index.tsx';
import { Skeleton } from './components/States/index.tsx';
import { AlertsPage } from './pages/Alerts/index.tsx';
import { BugDetailPage } from './pages/BugDetail/index.tsx';
import { BugsPage } from './pages/Bugs/index.tsx';
import { DashboardPage } from './pages/Dashboard/index.tsx';
import { NotFoundPage } from './pages/NotFound/index.tsx';
import { SettingsPage } from './pages/Settings/index.tsx';
import { SignInPage } from './pages/SignIn/index.tsx';
import { type AppState, AppStateContext } from './state/app-state.ts';

export function App({ state }: { state: AppState }) {
  useEffect(() => {
    void state.checkSession();
    return () => state.dispose();
  }, [state]);

  return (
    <AppStateContext.Provider value={state}>
      <LocationProvider>
        <Gate state={state} />
      </LocationProvider>
    </AppStateContext.Provider>
  );
}

/** Signed out, every URL shows the sign-in form; after signing in, the same URL renders its page. */
function Gate({ state }: { state: AppState }) {
  const session = state.session.value;
  if (session === 'checking') {
    return (
      <div class="boot">
        <Skeleton lines={3} />
      </div>
    );
  }
  if (session === 'signed-out') return <SignInPage />;
  return (
    <Shell>
      <Router>
        <Route path="/" component={DashboardPage} />
        <Route path="/bugs" component={BugsPage} />
        <Route path="/bugs/:id" component={BugDetailPage} />
        <Route path="/alerts" component={AlertsPage} />
        <Route path="/settings" component={SettingsPage} />
        <Route default component={NotFoundPage} />
      </Router>
    </Shell>
  );
}
