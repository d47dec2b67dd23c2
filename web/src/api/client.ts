import type {
  AnalyzeAccepted,
  ApiKey,
  Bug,
  BugDetail,
  BugList,
  BugPatch,
  CreatedKey,
  CreatedProject,
  ErrorBody,
  Items,
  Project,
  SessionState,
  Stats,
} from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export type ApiOptions = { onUnauthorized?: () => void; fetch?: typeof fetch };

/** One JSON call with the session cookie; a failure comes back as an ApiError from the error envelope. */
export function createRequester(options: ApiOptions = {}) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  return async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(path, {
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
      if (res.status === 401 && !path.startsWith('/api/v1/session')) options.onUnauthorized?.();
      throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The server answered ${res.status}.`, error?.issues);
    }
    return parsed as T;
  };
}

/** Typed calls to the Log Center API; the session cookie rides along, so no token lives in the page. */
export function createApi(options: ApiOptions = {}) {
  const call = createRequester(options);

  const query = (params: URLSearchParams | Record<string, string | undefined>) => {
    const search = params instanceof URLSearchParams ? params : new URLSearchParams();
    if (!(params instanceof URLSearchParams)) {
      for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
    }
    const text = search.toString();
    return text ? `?${text}` : '';
  };

  return {
    session: () => call<SessionState>('GET', '/api/v1/session'),
    signIn: (token: string) => call<SessionState>('POST', '/api/v1/session', { token }),
    signOut: () => call<SessionState>('DELETE', '/api/v1/session'),

    bugs: (params: URLSearchParams) => call<BugList>('GET', `/api/v1/bugs${query(params)}`),
    bug: (id: number) => call<BugDetail>('GET', `/api/v1/bugs/${id}?occurrences=10`),
    patchBug: (id: number, patch: BugPatch) => call<Bug>('PATCH', `/api/v1/bugs/${id}`, patch),
    analyzeBug: (id: number) => call<AnalyzeAccepted>('POST', `/api/v1/bugs/${id}/analyze`),
    stats: (params: Record<string, string | undefined>) => call<Stats>('GET', `/api/v1/dashboard/stats${query(params)}`),

    projects: () => call<Items<Project>>('GET', '/api/v1/projects'),
    createProject: (id: string, name: string) => call<CreatedProject>('POST', '/api/v1/projects', name ? { id, name } : { id }),
    projectKeys: (projectId: string) => call<Items<ApiKey>>('GET', `/api/v1/projects/${encodeURIComponent(projectId)}/keys`),
    createProjectKey: (projectId: string, name: string) =>
      call<CreatedKey>('POST', `/api/v1/projects/${encodeURIComponent(projectId)}/keys`, name ? { name } : {}),
    globalKeys: () => call<Items<ApiKey>>('GET', '/api/v1/keys'),
    createGlobalKey: (name: string) => call<CreatedKey>('POST', '/api/v1/keys', name ? { scope: 'all', name } : { scope: 'all' }),
    revokeKey: (id: number) => call<ApiKey>('DELETE', `/api/v1/keys/${id}`),
  };
}

export type Api = ReturnType<typeof createApi>;
