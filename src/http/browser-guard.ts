/**
 * Keeps other sites from driving Parley through a visitor's browser. A page elsewhere can make the
 * browser send a form (`text/plain`, urlencoded or multipart: no preflight) or, after rebinding its
 * own name to 127.0.0.1, same-origin requests with a foreign `Host`. So:
 * - only JSON bodies are parsed (Fastify's `text/plain` parser is removed: other types are a 415);
 * - a request that changes something (any method but GET, HEAD, OPTIONS) and carries an `Origin`
 *   is refused (403) unless that origin is this server itself or one of the CORS origins;
 * - while the server is open (no user, so no key needed) and listens on loopback, a `Host` that is
 *   not a loopback name is refused (403), which defeats DNS rebinding.
 * Clients that are not browsers send no `Origin` and a loopback `Host`, and pass untouched.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Openness } from '../access/openness.ts';
import { ParleyError } from '../errors.ts';
import { doneWhen } from './hook-done.ts';
import { sendSurfaceError } from './surface-errors.ts';

export interface BrowserGuardOptions {
  readonly openness: Openness;
  /** Origins allowed to call Parley from a browser (`PARLEY_CORS_ORIGINS`; `*` for any). */
  readonly corsOrigins: readonly string[];
  /** True when Parley listens on a loopback address. */
  readonly listensOnLoopback: boolean;
  /** Whether a host name (no port, no brackets) is a loopback name. */
  readonly isLoopbackHost: (host: string) => boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A URL's or a Host header's `host[:port]`, normalised (lower case, no default port). */
function normalHost(value: string, isOrigin: boolean): string | undefined {
  // A Host header is a name and a port, nothing else (no path, user or query to confuse a parser).
  if (!isOrigin && /[/@?#\\\s]/.test(value)) return undefined;
  try {
    return new URL(isOrigin ? value : `http://${value}`).host;
  } catch {
    return undefined;
  }
}

/** The Host headers of nearly every request to a loopback server, read without a URL parse. */
const PLAIN_LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/** The name part of a Host header (`[::1]:8080` → `::1`), or undefined when it does not parse. */
export function hostName(header: string): string | undefined {
  const plain = PLAIN_LOOPBACK_HOST.exec(header)?.[1];
  if (plain !== undefined) return plain === '[::1]' ? '::1' : plain.toLowerCase();
  const host = normalHost(header, false);
  return host === undefined ? undefined : new URL(`http://${host}`).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Why this browser request must be refused, or undefined when it may go on. */
function crossSiteReason(request: FastifyRequest, corsOrigins: readonly string[]): string | undefined {
  if (SAFE_METHODS.has(request.method)) return undefined;
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  if (corsOrigins.includes('*') || corsOrigins.includes(origin)) return undefined;
  const from = origin === 'null' ? undefined : normalHost(origin, true);
  const own = [request.headers.host, request.headers['x-forwarded-host']]
    .flat()
    .map((host) => (host === undefined ? undefined : normalHost(host, false)));
  if (from !== undefined && own.includes(from)) return undefined;
  return `cross-site request refused: a page on ${origin} may not send ${request.method} to this server`;
}

const FOREIGN_HOST =
  'the Host header is not a loopback name: with no API key configured, Parley answers only ' +
  'requests sent to localhost, 127.0.0.1 or [::1]';

export function registerBrowserGuard(app: FastifyInstance, options: BrowserGuardOptions): void {
  app.removeContentTypeParser('text/plain');

  // A callback hook: a loopback Host with no Origin (every non-browser client) passes without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    const crossSite = crossSiteReason(request, options.corsOrigins);
    if (crossSite !== undefined) {
      sendSurfaceError(request, reply, new ParleyError('FORBIDDEN', crossSite));
      return;
    }
    if (!options.listensOnLoopback) return done();
    const name = hostName(request.headers.host ?? '');
    if (name !== undefined && options.isLoopbackHost(name)) return done();
    // A foreign Host is harmless once keys are needed: a rebound page has none.
    const refuseUnlessClosed = (closed: boolean) => {
      if (closed) return true;
      sendSurfaceError(request, reply, new ParleyError('FORBIDDEN', FOREIGN_HOST));
      return false;
    };
    const known = options.openness.closedNow();
    if (known === undefined) doneWhen(options.openness.closed().then(refuseUnlessClosed), done);
    else if (refuseUnlessClosed(known)) done();
  });
}
