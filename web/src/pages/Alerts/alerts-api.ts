import type { z } from 'zod';
import { createRequester } from '../../api/client.ts';
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

/** The alert calls, through the shared API client's requester (cookie, error envelope, 401 handling). */
export function createAlertsApi(onUnauthorized: () => void) {
  const call = createRequester({ onUnauthorized });

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
