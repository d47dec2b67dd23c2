import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { installRoot } from '../../install-root.ts';

/** Where `vite build --config web/vite.config.ts` writes the dashboard. */
export const defaultWebRoot = path.join(installRoot, 'dist', 'web');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// Nothing from a report can run: no inline script, no foreign origin, no framing.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const notBuiltPage = `<!doctype html><meta charset="utf-8"><title>Log Center: dashboard not built</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The dashboard is not built</h1>
<p>The API is running, but <code>dist/web</code> holds no build. Run <code>npm run build</code>
(<code>npm start</code> builds it too) and reload this page.</p>`;

async function fileIn(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = path.join(root, path.normalize(decoded));
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  try {
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Serves the built dashboard at `/`, with the SPA's index.html for deep links such as `/bugs/42`. */
export function webRoutes(options: { root?: string } = {}) {
  const root = path.resolve(options.root ?? defaultWebRoot);
  const app = new Hono<AppEnv>();

  app.get('*', async (c, next) => {
    const urlPath = c.req.path;
    if (urlPath.startsWith('/api/')) return next();

    const file = urlPath === '/' ? undefined : await fileIn(root, urlPath);
    if (file) {
      const hashed = urlPath.startsWith('/assets/');
      return c.body(new Uint8Array(await readFile(file)), 200, {
        'Content-Type': contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
    }

    // Deep links are what a browser navigates to; API clients, scrapers and missing assets get the JSON 404.
    const wantsPage = urlPath === '/' || (c.req.header('accept') ?? '').includes('text/html');
    if (!wantsPage || urlPath.startsWith('/assets/')) return next();

    let html: string;
    try {
      html = await readFile(path.join(root, 'index.html'), 'utf8');
    } catch {
      return c.html(notBuiltPage, 503, { 'Cache-Control': 'no-store', 'Retry-After': '10' });
    }
    return c.body(html, 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    });
  });

  return app;
}
