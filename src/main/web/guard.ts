/**
 * The web shell's gate: a well-formed request target, loopback Host only, our own Origin only,
 * and the session token on every request and WebSocket upgrade (query `token`,
 * `Authorization: Bearer`, or the cookie set when the page was loaded with the token).
 * Everything here is client-chosen text: nothing in it may throw.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Why a request is refused, with the HTTP status to answer. */
export interface Refusal {
  status: 400 | 401 | 403;
  reason: string;
}

/** The parts of a request target the shell uses. */
export interface RequestTarget {
  /** The path with percent-escapes decoded. */
  pathname: string;
  searchParams: URLSearchParams;
}

export const tokenCookie = 'hangar-token';
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Parses an origin-form request target (`/path?query`); undefined when it is anything else
 * (absolute-form, `*`, empty) or its path has a malformed percent-escape. `//x` is a path here,
 * not a scheme-relative URL naming host `x`.
 */
export function requestTarget(url: string | undefined): RequestTarget | undefined {
  if (url === undefined || !url.startsWith('/')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(`http://localhost${url}`);
  } catch {
    return undefined;
  }
  try {
    return { pathname: decodeURIComponent(parsed.pathname), searchParams: parsed.searchParams };
  } catch {
    return undefined;
  }
}

/** Checks one request; returns undefined when it may proceed. */
export function checkRequest(request: IncomingMessage, token: string, port: number): Refusal | undefined {
  const target = requestTarget(request.url);
  if (!target) return { status: 400, reason: 'The request path is malformed (it must start with / and use valid %-escapes).' };
  const host = request.headers.host ?? '';
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!match || !loopbackHosts.has((match[1] ?? '').toLowerCase()) || Number(match[2] ?? 80) !== port) {
    return { status: 403, reason: `Host "${host}" is not this loopback server.` };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, port)) return { status: 403, reason: `Origin "${origin}" may not use this server.` };
  const presented = presentedToken(request, target);
  if (presented === undefined) return { status: 401, reason: 'The session token is missing: open the URL Hangar printed (it ends in ?token=…).' };
  if (!sameSecret(presented, token)) return { status: 403, reason: 'The session token is wrong: open the URL Hangar printed.' };
  return undefined;
}

function isOwnOrigin(origin: string, port: number): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && loopbackHosts.has(url.hostname.toLowerCase() === '::1' ? '[::1]' : url.hostname.toLowerCase()) && Number(url.port || 80) === port;
  } catch {
    return false;
  }
}

function presentedToken(request: IncomingMessage, target: RequestTarget): string | undefined {
  const query = target.searchParams.get('token');
  if (query) return query;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === tokenCookie) return value.join('=');
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
