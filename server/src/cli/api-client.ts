import type { z } from 'zod';
import { errorBodySchema } from '../schemas/error.ts';

/** An error the CLI explains in one line and exits with; never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.failure,
  ) {
    super(message);
  }
}

export const exitCodes = { ok: 0, failure: 1, usage: 2, unreachable: 3 } as const;

type RequestOptions<T extends z.ZodType> = {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  schema: T;
};

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(options: { url: string; token: string | undefined; timeoutMs?: number }) {
  const base = options.url;

  async function request<T extends z.ZodType>(method: string, path: string, { query, body, schema }: RequestOptions<T>): Promise<z.output<T>> {
    if (!options.token) {
      throw new CliError('no admin token: set LOG_CENTER_ADMIN_TOKEN (the server prints it on first start and saves it in data/admin-token)');
    }
    let url: URL;
    try {
      url = new URL(`${base}${path}`);
    } catch {
      throw new CliError(`LOG_CENTER_URL is not a URL: ${base}`, exitCodes.usage);
    }
    for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));

    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new CliError(`cannot reach Log Center at ${base} (${reason}); is the server running, and is LOG_CENTER_URL right?`, exitCodes.unreachable);
    }

    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`${method} ${path} answered ${res.status} with something that is not JSON; is LOG_CENTER_URL a Log Center server?`);
    }
    if (!res.ok) throw new CliError(describeError(res.status, json));
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CliError(`unexpected answer from ${method} ${path}; are the CLI and the server the same version?`);
    return parsed.data;
  }

  return {
    url: base,
    get: <T extends z.ZodType>(path: string, schema: T, query?: RequestOptions<T>['query']) => request('GET', path, { schema, query }),
    post: <T extends z.ZodType>(path: string, body: unknown, schema: T) => request('POST', path, { schema, body }),
    patch: <T extends z.ZodType>(path: string, body: unknown, schema: T) => request('PATCH', path, { schema, body }),
  };
}

function describeError(status: number, json: unknown): string {
  const envelope = errorBodySchema.safeParse(json);
  if (status === 401) return 'the server refused the admin token: check LOG_CENTER_ADMIN_TOKEN';
  if (!envelope.success) return `the server answered ${status}`;
  const { message, issues } = envelope.data.error;
  const details = issues?.map((issue) => `\n  ${issue.path}: ${issue.message}`).join('') ?? '';
  return `${message}${details}`;
}
