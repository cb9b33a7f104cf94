/**
 * Authentication for every surface: `Authorization: Bearer <key>`. While no user exists, requests
 * act as the local principal (Parley then listens on loopback only); once one does (see
 * `access/openness.ts`), a missing or bad key is a 401 in the surface's own shape (before that, a
 * key sent is ignored).
 * Liveness, readiness and metrics stay open for probes and scrapers, and the API reference and the
 * web UI's page and assets for people (the page asks for a key when the API answers 401).
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KeyService } from '../access/keys.ts';
import type { Openness } from '../access/openness.ts';
import { LOCAL_PRINCIPAL, type Principal } from '../access/principal.ts';
import { ParleyError } from '../errors.ts';
import { doneWhen } from './hook-done.ts';
import { sendSurfaceError } from './surface-errors.ts';
import { WEB_ASSET_PREFIX } from './web/web-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

const OPEN_PATHS = new Set(['/', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

export function registerAuth(app: FastifyInstance, keys: KeyService, openness: Openness): void {
  // Fastify wants reference-typed decorations initialised per request: null here, set just below.
  app.decorateRequest('principal', null as unknown as Principal);
  // A callback hook, not an async one: with no key configured it finishes without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    request.principal = LOCAL_PRINCIPAL;
    const path = request.url.split('?', 1)[0] ?? '';
    if (OPEN_PATHS.has(path) || path.startsWith('/docs/') || path.startsWith(WEB_ASSET_PREFIX)) return done();
    // Open, every request is the local principal, whatever it sends (SDKs always send a key).
    if (openness.localNow()) return done();
    doneWhen(authenticate(keys, openness, request, reply), done);
  });
}

/** Sets the request's principal from its key; false when it answered a 401 instead. */
async function authenticate(
  keys: KeyService,
  openness: Openness,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  const token = bearerToken(request);
  if (!(await openness.closed())) {
    // Opened by the setting although users exist: a key still says who is asking.
    const known = token === undefined || token === '' ? undefined : await keys.authenticate(token);
    request.principal = known ?? (await openness.anonymous());
    return true;
  }
  if (token === undefined) {
    sendSurfaceError(
      request,
      reply,
      new ParleyError('UNAUTHORIZED', 'an API key is required: send it as "Authorization: Bearer <key>"'),
    );
    return false;
  }
  const principal = token === '' ? undefined : await keys.authenticate(token);
  if (principal === undefined) {
    sendSurfaceError(
      request,
      reply,
      new ParleyError('UNAUTHORIZED', 'the API key is invalid, expired or revoked'),
    );
    return false;
  }
  request.principal = principal;
  return true;
}
