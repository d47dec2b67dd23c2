import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Report } from '../src/types.ts';

export type ReceivedBatch = { at: number; authorization?: string; reports: Report[] };
type Responder = (batch: ReceivedBatch, res: ServerResponse) => void;

const accept: Responder = (batch, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ accepted: batch.reports.length, rejected: 0, results: [] }));
};

/** A scripted stand-in for the batch endpoint: records every request, answers from a queue of responders. */
export async function startFakeIngest() {
  const batches: ReceivedBatch[] = [];
  const script: Responder[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reports: Report[] };
      const batch = { at: Date.now(), authorization: req.headers.authorization, reports: body.reports };
      batches.push(batch);
      (script.shift() ?? accept)(batch, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    batches,
    reports: () => batches.flatMap((batch) => batch.reports),
    /** The next requests get these answers, in order; later ones are accepted. */
    respond(...responders: Responder[]) {
      script.push(...responders);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const status =
  (code: number, headers: Record<string, string> = {}): Responder =>
  (_batch, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: 'try later' } }));
  };
