import type { z } from 'zod';
import { ApiError } from '../../api/client.ts';
import type { ErrorBody } from '../../api/types.ts';
import type {
  AlertDelivery,
  AlertRule,
  CreateAlertRule,
  createdAlertRuleSchema,
  DeliveryStatus,
  UpdateAlertRule,
} from '../../../../server/src/routes/alerts/schema.ts';

export type { AlertChannel, AlertDelivery, AlertRule, AlertTrigger, DeliveryStatus } from '../../../../server/src/routes/alerts/schema.ts';
export type CreatedAlertRule = z.infer<typeof createdAlertRuleSchema>;
/** What the form sends: the server fills in the defaults (channel, throttle, enabled). */
export type NewAlertRule = Partial<CreateAlertRule> & Pick<CreateAlertRule, 'name' | 'on' | 'url'>;

/** The alert calls, with the same cookie, error envelope and 401 handling as the shared API client. */
export function createAlertsApi(onUnauthorized: () => void) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and retry.');
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = (parsed as ErrorBody | undefined)?.error;
      if (res.status === 401) onUnauthorized();
      throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The server answered ${res.status}.`, error?.issues);
    }
    return parsed as T;
  }

  return {
    rules: () => call<{ items: AlertRule[] }>('GET', '/api/v1/alerts'),
    createRule: (rule: NewAlertRule) => call<CreatedAlertRule>('POST', '/api/v1/alerts', rule),
    updateRule: (id: number, patch: UpdateAlertRule) => call<AlertRule>('PATCH', `/api/v1/alerts/${id}`, patch),
    deleteRule: (id: number) => call<undefined>('DELETE', `/api/v1/alerts/${id}`),
    testRule: (id: number) => call<AlertDelivery>('POST', `/api/v1/alerts/${id}/test`),
    deliveries: (status?: DeliveryStatus) =>
      call<{ items: AlertDelivery[]; next_cursor: string | null }>('GET', `/api/v1/alerts/deliveries?limit=50${status ? `&status=${status}` : ''}`),
  };
}
