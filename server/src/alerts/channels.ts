import { createHmac } from 'node:crypto';
import type { AlertChannel } from '../routes/alerts/schema.ts';
import { type AlertPayload, slackBody } from './payload.ts';

export const signatureHeader = 'X-Log-Center-Signature';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the form GitHub uses, so receivers can reuse their check. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export type AlertRequest = { body: string; headers: Record<string, string> };

export function buildAlertRequest(
  target: { channel: AlertChannel; secret: string | null },
  delivery: { id: number; attempts: number },
  payload: AlertPayload,
): AlertRequest {
  const body = JSON.stringify(target.channel === 'slack' ? slackBody(payload) : payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'log-center-alerts/1',
    'x-log-center-event': payload.on,
    'x-log-center-delivery': String(delivery.id),
    'x-log-center-attempt': String(delivery.attempts),
  };
  if (target.secret) headers[signatureHeader.toLowerCase()] = signBody(target.secret, body);
  return { body, headers };
}
