/**
 * The web shell's static files: the built renderer (or a page saying how to build it), never
 * anything outside its folder and never the UI test harness pages. Sets the token cookie so the
 * page's own asset and WebSocket requests pass the guard.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { tokenCookie } from './guard.js';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Answers one GET/HEAD for `pathname` (already percent-decoded) from `rendererDir`. */
export function serveFile(pathname: string, response: ServerResponse, rendererDir: string, token: string): void {
  const headers = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'set-cookie': `${tokenCookie}=${token}; HttpOnly; SameSite=Strict; Path=/`,
  };
  const indexFile = join(rendererDir, 'index.html');
  if (!existsSync(indexFile)) {
    if (pathname !== '/') return void response.writeHead(404, headers).end();
    response.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    response.end(
      '<!doctype html><meta charset="utf-8"><title>Hangar</title><h1>Hangar</h1>' +
        '<p>The user interface is not built. Build it with <code>npm run build:renderer</code>, then reload this page.</p>',
    );
    return;
  }
  const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^[/\\]+/, '');
  const file = join(rendererDir, relative);
  // Never outside the renderer folder, and never the UI test harness pages.
  if (!file.startsWith(rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep) || relative.split(/[/\\]/)[0] === 'testing') {
    return void response.writeHead(404, headers).end();
  }
  let body: Buffer;
  try {
    // A path with a NUL byte, a folder or a file removed meanwhile all end here: 404, never a throw.
    if (!statSync(file).isFile()) return void response.writeHead(404, headers).end();
    body = readFileSync(file);
  } catch {
    return void response.writeHead(404, headers).end();
  }
  response.writeHead(200, { ...headers, 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' });
  response.end(body);
}
