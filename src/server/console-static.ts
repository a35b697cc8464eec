/**
 * Serves the built web console (docs/console.md) from a directory: `/` is
 * its index.html, other paths are files under the directory — never outside
 * it. Vite names the assets by content hash, so they are cached for a year;
 * index.html is revalidated every time so a new build shows at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, statSync, createReadStream } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Headers for every console response: the console loads nothing from elsewhere and is never framed. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/** Where `npm run build:console` puts the console: `dist/console` under the package root. */
export function defaultConsoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(dir, 'dist', 'console');
}

/**
 * Answer a GET/HEAD for the console; returns false when the path is not one
 * of its files (the caller answers 404).
 * @param dmPath shown on the page that explains a console that was not built.
 */
export function serveConsole(req: IncomingMessage, res: ServerResponse, dir: string, dmPath: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return false;
  }
  if (path.includes('\0')) return false;
  const root = resolve(dir);
  const file = path === '/' ? join(root, 'index.html') : resolve(root, '.' + path);
  if (!file.startsWith(root + sep)) return false;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return false;
    size = st.size;
  } catch {
    if (path !== '/') return false;
    const page = notBuiltPage(dmPath);
    res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(page) });
    res.end(req.method === 'HEAD' ? undefined : page);
    return true;
  }
  const immutable = file.startsWith(join(root, 'assets') + sep);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') { res.end(); return true; }
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
  return true;
}

function notBuiltPage(dmPath: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dmvisor — console not built</title></head>
<body>
<h1>dmvisor DM server</h1>
<p>The web console has not been built in this installation. <code>npm ci</code> builds it;
to build it by hand run <code>npm run build:console</code> and reload this page.</p>
<ul><li>DM endpoint: <code>POST ${dmPath.replace(/[<>&"]/g, '')}</code></li>
<li>Admin API: <code>/api</code> (OpenAPI at <a href="/api/openapi.json">/api/openapi.json</a>)</li>
<li>Metrics: <a href="/metrics">/metrics</a></li></ul>
</body></html>
`;
}
