import { useSignal } from '@preact/signals';
import { ApiError } from '../../api/client.ts';
import { Logo } from '../../components/Shell/index.tsx';
import { useAppState } from '../../state/app-state.ts';
import './sign-in.css';

export function SignInPage() {
  const state = useAppState();
  const token = useSignal('');
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    busy.value = true;
    error.value = null;
    try {
      await state.signIn(token.value.trim());
    } catch (caught) {
      error.value =
        caught instanceof ApiError && caught.status === 401
          ? 'That is not the admin token. It was printed when the server first started, and is saved in data/admin-token.'
          : (caught as Error).message;
    } finally {
      busy.value = false;
    }
  };

  return (
    <main class="sign-in" id="main">
      <form class="card sign-in-card" onSubmit={submit}>
        <div class="sign-in-brand">
          <Logo />
          <span>Log Center</span>
        </div>
        <h1>Sign in</h1>
        <p class="muted">Runtime, CI/CD and deployment errors in one place. Enter the admin token to continue.</p>
        <label class="field">
          Admin token
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            required
            autoFocus
            value={token.value}
            onInput={(e) => (token.value = e.currentTarget.value)}
            aria-invalid={error.value ? 'true' : undefined}
            aria-describedby={error.value ? 'sign-in-error' : undefined}
          />
        </label>
        {error.value && (
          <p class="form-error" id="sign-in-error" role="alert">
            {error.value}
          </p>
        )}
        <button type="submit" class="button button-primary" disabled={busy.value || !token.value.trim()}>
          {busy.value ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
