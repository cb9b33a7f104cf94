/**
 * Authentication for every surface: `Authorization: Bearer <key>` (programs), or the session
 * cookie a browser got from `POST /api/session`. While no user exists, requests act as the local
 * principal (Parley then listens on loopback only); once one does (see `access/openness.ts`),
 * a request without valid credentials is a 401 in the surface's own shape. A write authenticated by
 * the cookie must carry the session's CSRF token in `x-csrf-token` (a key in a header needs none:
 * no other site can make a browser send it). Liveness and readiness stay open for probes (metrics
 * need an admin, see `ops/metrics.ts`), the API reference and the web UI's pages and assets for people, and `/api/session`
 * for signing in.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessServices } from '../access/access-services.ts';
import { LOCAL_PRINCIPAL, type Principal } from '../access/principal.ts';
import { ParleyError } from '../errors.ts';
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from './cookies.ts';
import { doneWhen } from './hook-done.ts';
import { sendSurfaceError } from './surface-errors.ts';
import { WEB_ASSET_PREFIX, WEB_PAGES } from './web/web-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

const OPEN_PATHS = new Set([
  ...Object.keys(WEB_PAGES),
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/docs',
  '/api/session',
]);
/** Single sign-on's start and the identity provider's redirect back. */
const OPEN_PREFIXES = ['/docs/', WEB_ASSET_PREFIX, '/api/session/oidc/'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

export function registerAuth(app: FastifyInstance, access: AccessServices): void {
  // Fastify wants reference-typed decorations initialised per request: null here, set just below.
  app.decorateRequest('principal', null as unknown as Principal);
  // A callback hook, not an async one: on an open server it finishes without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    request.principal = LOCAL_PRINCIPAL;
    const path = request.url.split('?', 1)[0] ?? '';
    if (OPEN_PATHS.has(path) || OPEN_PREFIXES.some((prefix) => path.startsWith(prefix))) return done();
    // Open, every request is the local principal, whatever it sends (SDKs always send a key).
    if (access.openness.localNow()) return done();
    doneWhen(authenticate(access, request, reply), done);
  });
}

type Identified =
  | { readonly principal: Principal }
  | { readonly refused: ParleyError }
  | { readonly none: true };

/** Who the request's key or session cookie says it is. */
async function identify(access: AccessServices, request: FastifyRequest): Promise<Identified> {
  const token = bearerToken(request);
  if (token !== undefined) {
    const principal = token === '' ? undefined : await access.keys.authenticate(token);
    return principal === undefined
      ? { refused: new ParleyError('UNAUTHORIZED', 'the API key is invalid, expired or revoked') }
      : { principal };
  }
  const cookie = readCookie(request, SESSION_COOKIE);
  if (cookie === undefined) return { none: true };
  const session = await access.sessions.authenticate(cookie);
  if (session === undefined)
    return { refused: new ParleyError('UNAUTHORIZED', 'the session has ended: sign in again') };
  if (!SAFE_METHODS.has(request.method)) {
    const token = request.headers[CSRF_HEADER];
    if (typeof token !== 'string' || !access.sessions.csrfTokenMatches(cookie, token))
      return {
        refused: new ParleyError(
          'FORBIDDEN',
          `a write with a session cookie needs the ${CSRF_HEADER} header`,
        ),
      };
  }
  return { principal: session.principal };
}

/** Sets the request's principal; false when it answered a 401 or 403 instead. */
async function authenticate(
  access: AccessServices,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  const identified = await identify(access, request);
  if (!(await access.openness.closed())) {
    // Opened by the setting although users exist: credentials still say who is asking.
    request.principal = 'principal' in identified ? identified.principal : await access.openness.anonymous();
    return true;
  }
  if ('principal' in identified) {
    request.principal = identified.principal;
    return true;
  }
  const error =
    'refused' in identified
      ? identified.refused
      : new ParleyError('UNAUTHORIZED', 'sign in, or send an API key as "Authorization: Bearer <key>"');
  sendSurfaceError(request, reply, error);
  return false;
}
