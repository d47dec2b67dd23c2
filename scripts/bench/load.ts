// Runs autocannon in its own process, so the load generator does not share the server's event loop.
// Usage: tsx load.ts <url> <bodies.json> <connections> (--duration S | --amount N) [header:value…]
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [url, bodiesFile, connections, mode, size, ...headerArgs] = process.argv.slice(2);
const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8')) as string[];
const headers: Record<string, string> = { 'content-type': 'application/json' };
for (const arg of headerArgs) {
  const at = arg.indexOf(':');
  headers[arg.slice(0, at)] = arg.slice(at + 1);
}
let next = 0;

const result = await autocannon({
  url,
  method: 'POST',
  connections: Number(connections),
  ...(mode === '--amount' ? { amount: Number(size) } : { duration: Number(size) }),
  headers,
  requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
});

process.stdout.write(
  `${JSON.stringify({
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    perSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bytesPerRequest: Math.round(bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length),
  })}\n`,
);
