import type { CoreV1Api } from '@kubernetes/client-node';

export const logTailLines = 200;
export const logLimitBytes = 65_536;

export type LogResult = { logs: string } | { unavailable: string };

export type LogRequest = { namespace: string; pod: string; container: string; previous: boolean };

function describe(error: unknown): string {
  const { code, body } = error as { code?: number; body?: unknown };
  if (typeof code === 'number') {
    let message = '';
    try {
      const parsed = typeof body === 'string' ? JSON.parse(body) : body;
      message = typeof parsed?.message === 'string' ? `: ${parsed.message}` : '';
    } catch {
      message = typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '';
    }
    return `HTTP ${code}${message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The crashed container's last lines; a log the API cannot give is recorded, never thrown. */
export async function fetchLogs(core: CoreV1Api, request: LogRequest): Promise<LogResult> {
  try {
    const logs = await core.readNamespacedPodLog({
      name: request.pod,
      namespace: request.namespace,
      container: request.container,
      previous: request.previous,
      tailLines: logTailLines,
      limitBytes: logLimitBytes,
    });
    return { logs: typeof logs === 'string' ? logs : String(logs ?? '') };
  } catch (error) {
    return { unavailable: describe(error) };
  }
}
