import { useSignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { ApiError } from '../../api/client.ts';
import type { Level, Project, Source } from '../../api/types.ts';
import { SecretValue } from '../../components/CopyButton/index.tsx';
import { RelativeTime } from '../../components/RelativeTime/index.tsx';
import { EmptyState, ErrorState, Skeleton } from '../../components/States/index.tsx';
import { levelLabels, sourceLabels } from '../../lib/format.ts';
import { useLoader } from '../../lib/use-loader.ts';
import { useAppState } from '../../state/app-state.ts';
import {
  type AlertChannel,
  type AlertDelivery,
  type AlertRule,
  type AlertTrigger,
  type CreatedAlertRule,
  createAlertsApi,
  type DeliveryStatus,
  type NewAlertRule,
} from './alerts-api.ts';
import './alerts.css';

type AlertsApi = ReturnType<typeof createAlertsApi>;

const triggerLabels: Record<AlertTrigger, string> = {
  new_bug: 'New bug',
  regression: 'Regression',
  spike: 'Spike',
  analysis: 'Analysed severity',
};
const severityOptions = ['critical', 'high', 'medium', 'low'] as const;
type Severity = (typeof severityOptions)[number];
const channelLabels: Record<AlertChannel, string> = { webhook: 'Webhook', slack: 'Slack' };
const statusLabels: Record<DeliveryStatus, string> = { pending: 'Pending', sending: 'Sending', delivered: 'Delivered', failed: 'Failed' };
const levelOptions = Object.keys(levelLabels) as Level[];
const sourceOptions = Object.keys(sourceLabels) as Source[];
// Deliveries change state in the background (retries, receivers answering late).
const deliveriesPollMs = 3000;

function triggerText(rule: AlertRule): string {
  if (rule.on === 'analysis') return `Analysed ${rule.min_severity} or worse`;
  if (rule.on !== 'spike') return triggerLabels[rule.on];
  return `Spike: ${rule.spike_threshold} in ${rule.spike_window_minutes} min`;
}

function filterText(rule: AlertRule): string {
  const parts = [
    rule.project_id ?? 'all projects',
    rule.source ? sourceLabels[rule.source] : null,
    rule.min_level ? `${levelLabels[rule.min_level]}+` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function AlertsPage() {
  const state = useAppState();
  const api = useMemo(() => createAlertsApi(() => void state.checkSession()), [state]);
  const rules = useLoader('alert-rules', () => api.rules());
  const deliveries = useLoader('alert-deliveries', () => api.deliveries(), { live: true });
  const created = useSignal<CreatedAlertRule | null>(null);

  useEffect(() => {
    const timer = setInterval(() => deliveries.reload(), deliveriesPollMs);
    return () => clearInterval(timer);
  }, []);

  const ruleNames = new Map((rules.data.value?.items ?? []).map((rule) => [rule.id, rule.name]));

  return (
    <>
      <div class="page-head">
        <div>
          <h1>Alerts</h1>
          <p>Rules that call a webhook or Slack when a bug is new, comes back, or spikes.</p>
        </div>
      </div>
      <div class="alerts-grid">
        {created.value && <CreatedSecret rule={created.value} onDismiss={() => (created.value = null)} />}
        <section class="card" aria-labelledby="rules-title">
          <div class="card-head">
            <h2 id="rules-title">Rules</h2>
            {rules.data.value && <span class="hint">{rules.data.value.items.length} in total</span>}
          </div>
          {rules.error.value ? (
            <ErrorState error={rules.error.value} onRetry={rules.reload} />
          ) : !rules.data.value ? (
            <Skeleton lines={3} />
          ) : rules.data.value.items.length === 0 ? (
            <EmptyState title="No alert rules yet">Create one below to hear about new bugs, regressions and spikes.</EmptyState>
          ) : (
            <RuleTable rules={rules.data.value.items} api={api} onChanged={() => (rules.reload(), deliveries.reload())} />
          )}
          <RuleForm
            api={api}
            projects={state.projects.value}
            onCreated={(rule) => {
              created.value = rule;
              rules.reload();
            }}
          />
        </section>
        <DeliveriesSection deliveries={deliveries.data.value?.items} error={deliveries.error.value} onRetry={deliveries.reload} ruleNames={ruleNames} />
      </div>
    </>
  );
}

function CreatedSecret({ rule, onDismiss }: { rule: CreatedAlertRule; onDismiss: () => void }) {
  return (
    <section class="card alert-secret" aria-labelledby="created-title" role="region">
      <div class="card-head">
        <h2 id="created-title">Rule “{rule.name}” created</h2>
        <button type="button" class="button button-ghost button-small" onClick={onDismiss}>
          Done
        </button>
      </div>
      <div class="card-body alert-secret-body">
        {rule.secret ? (
          <>
            <p class="alert-warning">Copy the signing secret now: it will not be shown again.</p>
            <SecretValue label="Webhook secret" value={rule.secret} />
            <p class="alert-note muted">
              Every call carries <code>X-Log-Center-Signature: sha256=…</code>, the HMAC-SHA256 of the body with this secret.
            </p>
          </>
        ) : (
          <p class="muted alert-note">Slack rules have no signing secret: the incoming-webhook URL is the secret.</p>
        )}
      </div>
    </section>
  );
}

function RuleTable({ rules, api, onChanged }: { rules: AlertRule[]; api: AlertsApi; onChanged: () => void }) {
  const state = useAppState();
  const busy = useSignal<number | null>(null);

  const act = async (rule: AlertRule, action: () => Promise<unknown>, done: string) => {
    busy.value = rule.id;
    try {
      await action();
      state.notify('ok', done);
      onChanged();
    } catch (caught) {
      state.notify('error', (caught as Error).message);
    } finally {
      busy.value = null;
    }
  };

  return (
    <div class="table-wrap">
      <table class="rule-table">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">On</th>
            <th scope="col">Filters</th>
            <th scope="col">Channel</th>
            <th scope="col">Enabled</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.id} data-rule-id={rule.id} class={rule.enabled ? undefined : 'rule-disabled'}>
              <td class="rule-name">{rule.name}</td>
              <td>{triggerText(rule)}</td>
              <td class="muted">{filterText(rule)}</td>
              <td>
                <div class="rule-channel">
                  <span class="badge badge-status">{channelLabels[rule.channel]}</span>
                  <span class="mono rule-url" title={rule.url}>
                    {rule.url}
                  </span>
                </div>
              </td>
              <td>
                <label class="toggle">
                  <input
                    type="checkbox"
                    role="switch"
                    checked={rule.enabled}
                    disabled={busy.value === rule.id}
                    aria-label={`Enabled: ${rule.name}`}
                    onChange={() =>
                      act(rule, () => api.updateRule(rule.id, { enabled: !rule.enabled }), `${rule.name} ${rule.enabled ? 'disabled' : 'enabled'}`)
                    }
                  />
                  <span>{rule.enabled ? 'On' : 'Off'}</span>
                </label>
              </td>
              <td class="num rule-actions">
                <button
                  type="button"
                  class="button button-small"
                  disabled={busy.value === rule.id}
                  onClick={() => act(rule, () => api.testRule(rule.id), `Test delivery queued for ${rule.name}`)}
                >
                  Send test
                </button>
                <button
                  type="button"
                  class="button button-small button-danger"
                  disabled={busy.value === rule.id}
                  aria-label={`Delete ${rule.name}`}
                  onClick={() => {
                    if (!confirm(`Delete alert rule "${rule.name}"? Its delivery history goes with it.`)) return;
                    void act(rule, () => api.deleteRule(rule.id), `${rule.name} deleted`);
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type FormState = {
  name: string;
  on: AlertTrigger;
  spikeThreshold: string;
  spikeWindow: string;
  minSeverity: Severity;
  projectId: string;
  source: '' | Source;
  minLevel: '' | Level;
  channel: AlertChannel;
  url: string;
  throttle: string;
};

const emptyForm: FormState = {
  name: '',
  on: 'new_bug',
  spikeThreshold: '50',
  spikeWindow: '5',
  minSeverity: 'high',
  projectId: '',
  source: '',
  minLevel: '',
  channel: 'webhook',
  url: '',
  throttle: '60',
};

/** Numbers go to the server as typed, so its validation message names the field. */
const toNumber = (text: string) => (text.trim() === '' ? undefined : Number(text));

function RuleForm({ api, projects, onCreated }: { api: AlertsApi; projects: Project[]; onCreated: (rule: CreatedAlertRule) => void }) {
  const form = useSignal<FormState>(emptyForm);
  const error = useSignal<ApiError | null>(null);
  const busy = useSignal(false);
  const f = form.value;
  const set = (patch: Partial<FormState>) => (form.value = { ...form.value, ...patch });
  const issue = (field: string) => error.value?.issues.find((i) => i.path === field)?.message;

  const submit = async (event: Event) => {
    event.preventDefault();
    const rule: NewAlertRule = {
      name: f.name,
      on: f.on,
      channel: f.channel,
      url: f.url.trim(),
      throttle_minutes: toNumber(f.throttle),
      project_id: f.projectId || undefined,
      source: f.source || undefined,
      min_level: f.minLevel || undefined,
      ...(f.on === 'spike' ? { spike_threshold: toNumber(f.spikeThreshold), spike_window_minutes: toNumber(f.spikeWindow) } : {}),
      ...(f.on === 'analysis' ? { min_severity: f.minSeverity } : {}),
    };
    busy.value = true;
    error.value = null;
    try {
      onCreated(await api.createRule(rule));
      form.value = emptyForm;
    } catch (caught) {
      error.value = caught instanceof ApiError ? caught : new ApiError(0, 'client_error', (caught as Error).message);
    } finally {
      busy.value = false;
    }
  };

  const fieldError = (field: string) => {
    const message = issue(field);
    return message ? (
      <span class="field-error" id={`alert-${field}-error`}>
        {message}
      </span>
    ) : null;
  };
  const described = (field: string) => (issue(field) ? { 'aria-invalid': true, 'aria-describedby': `alert-${field}-error` } : {});

  return (
    <form class="card-body rule-form" onSubmit={submit} aria-label="Create alert rule" noValidate>
      <h3>New rule</h3>
      <div class="rule-form-grid">
        <label class="field">
          Name
          <input name="name" value={f.name} maxLength={200} placeholder="Production errors" onInput={(e) => set({ name: e.currentTarget.value })} {...described('name')} />
          {fieldError('name')}
        </label>
        <label class="field">
          On
          <select name="on" value={f.on} onChange={(e) => set({ on: e.currentTarget.value as AlertTrigger })}>
            {(Object.keys(triggerLabels) as AlertTrigger[]).map((on) => (
              <option key={on} value={on}>
                {triggerLabels[on]}
              </option>
            ))}
          </select>
        </label>
        {f.on === 'spike' && (
          <>
            <label class="field">
              Occurrences
              <input
                name="spike-threshold"
                type="number"
                inputMode="numeric"
                min={2}
                value={f.spikeThreshold}
                onInput={(e) => set({ spikeThreshold: e.currentTarget.value })}
                {...described('spike_threshold')}
              />
              {fieldError('spike_threshold')}
            </label>
            <label class="field">
              Within (minutes)
              <input
                name="spike-window"
                type="number"
                inputMode="numeric"
                min={1}
                max={1440}
                value={f.spikeWindow}
                onInput={(e) => set({ spikeWindow: e.currentTarget.value })}
                {...described('spike_window_minutes')}
              />
              {fieldError('spike_window_minutes')}
            </label>
          </>
        )}
        {f.on === 'analysis' && (
          <label class="field">
            Severity at least
            <select name="min-severity" value={f.minSeverity} onChange={(e) => set({ minSeverity: e.currentTarget.value as Severity })}>
              {severityOptions.map((severity) => (
                <option key={severity} value={severity}>
                  {severity}
                </option>
              ))}
            </select>
            {fieldError('min_severity')}
          </label>
        )}
        <label class="field">
          Project
          <select name="project" value={f.projectId} onChange={(e) => set({ projectId: e.currentTarget.value })}>
            <option value="">All projects</option>
            {projects.map((project) => (
              <option key={project.id} value={project.id}>
                {project.id}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          Source
          <select name="source" value={f.source} onChange={(e) => set({ source: e.currentTarget.value as FormState['source'] })}>
            <option value="">Any source</option>
            {sourceOptions.map((source) => (
              <option key={source} value={source}>
                {sourceLabels[source]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          Minimum level
          <select name="min-level" value={f.minLevel} onChange={(e) => set({ minLevel: e.currentTarget.value as FormState['minLevel'] })}>
            <option value="">Any level</option>
            {levelOptions.map((level) => (
              <option key={level} value={level}>
                {levelLabels[level]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          Channel
          <select name="channel" value={f.channel} onChange={(e) => set({ channel: e.currentTarget.value as AlertChannel })}>
            {(Object.keys(channelLabels) as AlertChannel[]).map((channel) => (
              <option key={channel} value={channel}>
                {channelLabels[channel]}
              </option>
            ))}
          </select>
        </label>
        <label class="field field-wide">
          {f.channel === 'slack' ? 'Slack incoming-webhook URL' : 'Webhook URL'}
          <input
            name="url"
            type="url"
            value={f.url}
            maxLength={2000}
            placeholder={f.channel === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://hooks.example.com/log-center'}
            onInput={(e) => set({ url: e.currentTarget.value })}
            {...described('url')}
          />
          {fieldError('url')}
        </label>
        <label class="field">
          Throttle per bug (minutes)
          <input
            name="throttle"
            type="number"
            inputMode="numeric"
            min={1}
            value={f.throttle}
            onInput={(e) => set({ throttle: e.currentTarget.value })}
            {...described('throttle_minutes')}
          />
          {fieldError('throttle_minutes')}
        </label>
      </div>
      <div class="rule-form-actions">
        <button type="submit" class="button button-primary" disabled={busy.value}>
          {busy.value ? 'Creating…' : 'Create rule'}
        </button>
        {error.value && (
          <p class="form-error" role="alert">
            {error.value.issues.length > 0 ? 'Check the highlighted fields: ' : ''}
            {error.value.message}
          </p>
        )}
      </div>
    </form>
  );
}

function DeliveriesSection({
  deliveries,
  error,
  onRetry,
  ruleNames,
}: {
  deliveries: AlertDelivery[] | undefined;
  error: ApiError | null;
  onRetry: () => void;
  ruleNames: Map<number, string>;
}) {
  return (
    <section class="card" aria-labelledby="deliveries-title">
      <div class="card-head">
        <h2 id="deliveries-title">Deliveries</h2>
        <span class="hint">newest first, last 50</span>
      </div>
      {error ? (
        <ErrorState error={error} onRetry={onRetry} />
      ) : !deliveries ? (
        <Skeleton lines={3} />
      ) : deliveries.length === 0 ? (
        <EmptyState title="No deliveries yet">They appear here when a rule fires or you send a test.</EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="delivery-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Rule</th>
                <th scope="col">Event</th>
                <th scope="col">Bug</th>
                <th scope="col">Last error</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={delivery.id} data-delivery-id={delivery.id} data-status={delivery.status}>
                  <td>
                    <span class={`badge delivery-status delivery-${delivery.status}`}>{statusLabels[delivery.status]}</span>
                  </td>
                  <td class="num">{delivery.attempts}</td>
                  <td>{ruleNames.get(delivery.rule_id) ?? <span class="muted">#{delivery.rule_id}</span>}</td>
                  <td class="muted">{delivery.on === 'test' ? 'Test' : triggerLabels[delivery.on]}</td>
                  <td>{delivery.bug_id === null ? <span class="muted">—</span> : <a href={`/bugs/${delivery.bug_id}`}>#{delivery.bug_id}</a>}</td>
                  <td class="delivery-error">
                    {delivery.last_error ? (
                      <span title={delivery.last_error}>
                        {delivery.response_status ? `${delivery.response_status}: ` : ''}
                        {delivery.last_error}
                      </span>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td class="muted">
                    <RelativeTime iso={delivery.delivered_at ?? delivery.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
