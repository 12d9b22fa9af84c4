/**
 * Where the renderer is served from in the Electron shell: a privileged custom scheme
 * (`hangar://app/…`) backed by the built renderer folder. A real origin (unlike file://) lets
 * IPC handlers check the sender's URL exactly and lets every response carry the CSP header.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/** The app's URL scheme. */
export const appScheme = 'hangar';
/** The app's origin; every trusted frame has a URL under it. */
export const appOrigin = `${appScheme}://app`;
/** The page every window loads (VM windows add `#/vm/<id>`). */
export const appPage = `${appOrigin}/index.html`;

/**
 * The content security policy of every app page (docs/architecture.md §9): only the app's own files; no
 * eval, no inline scripts, no network (the API goes through IPC); inline styles are allowed
 * because MUI's emotion injects <style> elements; images and fonts may be data:/blob: URLs
 * (thumbnails, screenshots).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Whether `url` is a page or resource of the app (exact origin, not a look-alike). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${appScheme}:` && parsed.host === 'app';
  } catch {
    return false;
  }
}

/**
 * Answers one request on the app scheme from `rendererDir`: the file with its content type and
 * the CSP, 404 for anything outside the folder, the UI test pages, or a missing file; a short
 * page saying how to build the UI when it is not built.
 */
export async function serveAppRequest(request: Request, rendererDir: string): Promise<Response> {
  const headers = {
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const notFound = (): Response => new Response('Not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
  if (!isAppUrl(request.url) || request.method !== 'GET') return notFound();
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url).pathname);
  } catch {
    return notFound();
  }
  const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^[/\\]+/, '');
  const root = rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep;
  const file = join(root, relative);
  if (!file.startsWith(root) || relative.split(/[/\\]/)[0] === 'testing') return notFound();
  try {
    if (!(await stat(file)).isFile()) return notFound();
  } catch {
    if (relative !== 'index.html') return notFound();
    const page =
      '<!doctype html><meta charset="utf-8"><title>Hangar</title><h1>Hangar</h1>' +
      `<p>The user interface is not built (${root} has no index.html). Build it with <code>npm run build:renderer</code> and start Hangar again.</p>`;
    return new Response(page, { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
  }
  const body = await readFile(file);
  return new Response(new Uint8Array(body), { status: 200, headers: { ...headers, 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' } });
}
