import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChatRequest = {
  headers: IncomingHttpHeaders;
  raw: string;
  body: {
    model: string;
    response_format?: { type: string };
    messages: { role: string; content: string }[];
  };
  /** Bug ids the request asks about, read from the user message. */
  bugIds: number[];
};

export type ScriptedReply = {
  status?: number;
  headers?: Record<string, string>;
  /** A chat completion whose message content is this string, or this raw body when `raw`. */
  content?: string;
  raw?: string;
  delayMs?: number;
};

export type Reply = ScriptedReply | ((request: ChatRequest) => ScriptedReply);

export const goodItem = (bugId: number, overrides: Record<string, unknown> = {}) => ({
  bug_id: bugId,
  summary: `bug ${bugId} summary`,
  probable_cause: `bug ${bugId} cause`,
  suggested_fix: `bug ${bugId} fix`,
  severity: 'high',
  confidence: 0.8,
  category: 'null-reference',
  ...overrides,
});

/** Answers every bug of the request with a valid analysis. */
export const answerAll: Reply = (request) => ({
  content: JSON.stringify({ analyses: request.bugIds.map((id) => goodItem(id)) }),
});

/**
 * An OpenAI-compatible `/v1/chat/completions` endpoint on 127.0.0.1 for tests: records every
 * request and answers from a script, then with `answerAll`.
 */
export async function startFakeModelServer() {
  const requests: ChatRequest[] = [];
  const script: Reply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end('not found');
        return;
      }
      const body = JSON.parse(raw) as ChatRequest['body'];
      const user = body.messages.find((message) => message.role === 'user');
      const bugIds = user ? (JSON.parse(user.content) as { bugs: { bug_id: number }[] }).bugs.map((bug) => bug.bug_id) : [];
      const request = { headers: req.headers, raw, body, bugIds };
      requests.push(request);
      const next = script.shift() ?? answerAll;
      const reply = typeof next === 'function' ? next(request) : next;
      const respond = () => {
        if (res.destroyed) return;
        const payload =
          reply.raw ??
          JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            model: `${body.model}-served`,
            choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? '' }, finish_reason: 'stop' }],
          });
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(payload);
      };
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          respond();
        }, reply.delayMs);
        timers.add(timer);
      } else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Replies for the next requests, in order. */
    script(...replies: Reply[]) {
      script.push(...replies);
    },
    reset() {
      requests.length = 0;
      script.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
