import { useSignal } from '@preact/signals';
import type { ApiKey, Project } from '../../api/types.ts';
import { CodeBlock, SecretValue } from '../../components/CopyButton/index.tsx';
import { RelativeTime } from '../../components/RelativeTime/index.tsx';
import { EmptyState, ErrorState, Skeleton } from '../../components/States/index.tsx';
import { useLoader } from '../../lib/use-loader.ts';
import { useAppState } from '../../state/app-state.ts';
import './settings.css';

type Issued = { apiKey: string; dsn?: string; projectId: string | null };

const projectIdPattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function SettingsPage() {
  const state = useAppState();
  const selected = useSignal<string>('');
  const issued = useSignal<Issued | null>(null);
  const projects = state.projects.value;
  const current = projects.find((p) => p.id === selected.value) ?? projects[0];

  return (
    <>
      <div class="page-head">
        <div>
          <h1>Settings</h1>
          <p>Projects, ingest keys and the snippets that send errors here.</p>
        </div>
      </div>
      <div class="settings-grid">
        <ProjectsSection
          projects={projects}
          onCreated={(created) => {
            selected.value = created.projectId ?? '';
            issued.value = created;
          }}
        />
        {issued.value && <IssuedKey issued={issued.value} onDismiss={() => (issued.value = null)} />}
        {current && (
          <KeysSection
            project={current}
            projects={projects}
            onSelect={(id) => (selected.value = id)}
            onIssued={(key) => (issued.value = key)}
          />
        )}
        <GlobalKeysSection onIssued={(key) => (issued.value = key)} />
        {current && <Snippets project={current} issued={issued.value?.projectId === current.id ? issued.value : null} />}
      </div>
    </>
  );
}

function ProjectsSection({ projects, onCreated }: { projects: Project[]; onCreated: (issued: Issued) => void }) {
  const state = useAppState();
  const id = useSignal('');
  const name = useSignal('');
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);

  const create = async (event: Event) => {
    event.preventDefault();
    const slug = id.value.trim();
    if (!projectIdPattern.test(slug)) {
      error.value = 'Use a slug: lowercase letters, digits, "_" or "-", starting with a letter or digit.';
      return;
    }
    busy.value = true;
    error.value = null;
    try {
      const created = await state.api.createProject(slug, name.value.trim());
      await state.loadProjects();
      onCreated({ apiKey: created.api_key, dsn: created.dsn, projectId: created.id });
      state.notify('ok', `Project ${created.id} created`);
      id.value = '';
      name.value = '';
    } catch (caught) {
      error.value = (caught as Error).message;
    } finally {
      busy.value = false;
    }
  };

  return (
    <section class="card" aria-labelledby="projects-title">
      <div class="card-head">
        <h2 id="projects-title">Projects</h2>
        <span class="hint">{projects.length} in total</span>
      </div>
      {projects.length === 0 ? (
        <EmptyState title="No projects yet">Create one below; reports with an all-project key create them too.</EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">Name</th>
                <th scope="col" class="num">
                  DSN id
                </th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Links</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {projects.map((project) => (
                <tr key={project.id}>
                  <td class="mono">{project.id}</td>
                  <td>{project.name}</td>
                  <td class="num">{project.dsn_id}</td>
                  <td class="muted">
                    <RelativeTime iso={project.created_at} />
                  </td>
                  <td class="num">
                    <a href={`/bugs?project=${encodeURIComponent(project.id)}`}>Bugs</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="card-body inline-form" onSubmit={create} aria-label="Create project">
        <label class="field">
          Project id
          <input
            name="project-id"
            placeholder="rtc_backend"
            value={id.value}
            required
            maxLength={64}
            onInput={(e) => (id.value = e.currentTarget.value)}
          />
        </label>
        <label class="field">
          Name
          <input name="project-name" placeholder="RTC backend" value={name.value} maxLength={200} onInput={(e) => (name.value = e.currentTarget.value)} />
        </label>
        <button type="submit" class="button button-primary" disabled={busy.value || !id.value.trim()}>
          {busy.value ? 'Creating…' : 'Create project'}
        </button>
        {error.value && (
          <p class="form-error" role="alert">
            {error.value}
          </p>
        )}
      </form>
    </section>
  );
}

function IssuedKey({ issued, onDismiss }: { issued: Issued; onDismiss: () => void }) {
  return (
    <section class="card issued" aria-labelledby="issued-title" role="region">
      <div class="card-head">
        <h2 id="issued-title">New key {issued.projectId ? `for ${issued.projectId}` : 'for all projects'}</h2>
        <button type="button" class="button button-ghost button-small" onClick={onDismiss}>
          Done
        </button>
      </div>
      <div class="card-body issued-body">
        <p class="warning-note">Copy it now: the key is stored only as a hash and will not be shown again.</p>
        <SecretValue label="API key" value={issued.apiKey} />
        {issued.dsn && <SecretValue label="Sentry DSN" value={issued.dsn} />}
      </div>
    </section>
  );
}

function KeyTable({ keys, onRevoke }: { keys: ApiKey[]; onRevoke: (key: ApiKey) => void }) {
  if (keys.length === 0) return <p class="card-body muted">No keys.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Name</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} class={key.revoked_at ? 'revoked' : undefined}>
              <td class="mono">{key.key_prefix}…</td>
              <td>{key.name || <span class="muted">—</span>}</td>
              <td class="muted">
                <RelativeTime iso={key.created_at} />
              </td>
              <td class="muted">{key.last_used_at ? <RelativeTime iso={key.last_used_at} /> : 'never'}</td>
              <td class="num">
                {key.revoked_at ? (
                  <span class="badge badge-status">Revoked</span>
                ) : (
                  <button type="button" class="button button-small button-danger" onClick={() => onRevoke(key)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function useRevoke(reload: () => void) {
  const state = useAppState();
  return async (key: ApiKey) => {
    if (!confirm(`Revoke key ${key.key_prefix}…? Reporters using it will get 401 from now on.`)) return;
    try {
      await state.api.revokeKey(key.id);
      state.notify('ok', `Key ${key.key_prefix}… revoked`);
      reload();
    } catch (error) {
      state.notify('error', `Revoke failed: ${(error as Error).message}`);
    }
  };
}

function KeysSection({
  project,
  projects,
  onSelect,
  onIssued,
}: {
  project: Project;
  projects: Project[];
  onSelect: (id: string) => void;
  onIssued: (issued: Issued) => void;
}) {
  const state = useAppState();
  const keys = useLoader(`keys:${project.id}`, () => state.api.projectKeys(project.id));
  const revoke = useRevoke(keys.reload);
  const name = useSignal('');

  const issue = async (event: Event) => {
    event.preventDefault();
    try {
      const created = await state.api.createProjectKey(project.id, name.value.trim());
      onIssued({ apiKey: created.api_key, dsn: created.dsn, projectId: project.id });
      name.value = '';
      keys.reload();
    } catch (error) {
      state.notify('error', `Could not issue a key: ${(error as Error).message}`);
    }
  };

  return (
    <section class="card" aria-labelledby="keys-title">
      <div class="card-head">
        <h2 id="keys-title">Project keys</h2>
        <select aria-label="Project" value={project.id} onChange={(e) => onSelect(e.currentTarget.value)}>
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id}
            </option>
          ))}
        </select>
      </div>
      {keys.error.value ? (
        <ErrorState error={keys.error.value} onRetry={keys.reload} />
      ) : keys.data.value ? (
        <KeyTable keys={keys.data.value.items.filter((key) => key.project_id === project.id)} onRevoke={revoke} />
      ) : (
        <Skeleton lines={2} />
      )}
      <form class="card-body inline-form" onSubmit={issue} aria-label="Issue project key">
        <label class="field">
          Key name
          <input placeholder="production server" value={name.value} maxLength={200} onInput={(e) => (name.value = e.currentTarget.value)} />
        </label>
        <button type="submit" class="button">
          Issue key for {project.id}
        </button>
      </form>
    </section>
  );
}

function GlobalKeysSection({ onIssued }: { onIssued: (issued: Issued) => void }) {
  const state = useAppState();
  const keys = useLoader('keys:all', () => state.api.globalKeys());
  const revoke = useRevoke(keys.reload);
  const issue = async () => {
    try {
      const created = await state.api.createGlobalKey('all projects');
      onIssued({ apiKey: created.api_key, projectId: null });
      keys.reload();
    } catch (error) {
      state.notify('error', `Could not issue a key: ${(error as Error).message}`);
    }
  };
  return (
    <section class="card" aria-labelledby="global-keys-title">
      <div class="card-head">
        <h2 id="global-keys-title">All-project keys</h2>
        <button type="button" class="button button-small" onClick={issue}>
          Issue all-project key
        </button>
      </div>
      <p class="card-body muted small-note">
        For the CI script and the pod monitor: one key reports for any project, and unknown projects are created on first report.
      </p>
      {keys.error.value ? (
        <ErrorState error={keys.error.value} onRetry={keys.reload} />
      ) : keys.data.value ? (
        <KeyTable keys={keys.data.value.items} onRevoke={revoke} />
      ) : (
        <Skeleton lines={2} />
      )}
    </section>
  );
}

function Snippets({ project, issued }: { project: Project; issued: Issued | null }) {
  const origin = location.origin;
  const key = issued?.apiKey ?? '<api_key>';
  const dsn = issued?.dsn ?? `${location.protocol}//${key}@${location.host}/${project.dsn_id}`;
  const curl = `curl -X POST ${origin}/api/v1/logs/report \\
  -H "Authorization: Bearer ${key}" \\
  -H "Content-Type: application/json" \\
  -d '{"project_id": "${project.id}", "error_type": "TypeError",
       "message": "Cannot read properties of undefined", "file_path": "src/app.ts", "line_number": 42}'`;
  const ci = `# last step of a job in .gitea/workflows/*.yaml (GitHub Actions: the same)
- name: Report the failure to Log Center
  if: failure()
  env:
    LOG_CENTER_URL: ${origin}
    LOG_CENTER_API_KEY: \${{ secrets.LOG_CENTER_API_KEY }}
  run: |
    bash scripts/report-cicd-error.sh \\
      --project ${project.id} \\
      --step "npm run build" \\
      --log-file build.log`;
  const sentry = `import * as Sentry from '@sentry/node'; // or @sentry/browser

Sentry.init({
  dsn: '${dsn}',
  environment: 'production',
});`;
  return (
    <section class="card snippets" aria-labelledby="snippets-title">
      <div class="card-head">
        <h2 id="snippets-title">Send errors from {project.id}</h2>
        <span class="hint">{issued ? 'with the key you just issued' : 'replace <api_key> with a key of this project'}</span>
      </div>
      <div class="card-body snippet-list">
        <CodeBlock title="curl" code={curl} />
        <CodeBlock title="CI step (if: failure())" code={ci} />
        <CodeBlock title="Any Sentry SDK" code={sentry} />
      </div>
    </section>
  );
}
