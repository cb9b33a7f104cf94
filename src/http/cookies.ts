/**
 * The session's cookies: `parley_session` (HttpOnly: scripts never see it) and `parley_csrf` (read
 * by the page, sent back as the `x-csrf-token` header on writes). Both `SameSite=Lax`, `Path=/`,
 * and `Secure` when the request came over HTTPS (as a trusted proxy reports it).
 */

import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'parley_session';
export const CSRF_COOKIE = 'parley_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Cookie values Parley sets: base64url, hex, and `.` between a payload and its signature. */
const COOKIE_VALUE = /^[A-Za-z0-9_.-]{1,2000}$/;

/** One cookie's value from the request's `Cookie` header; undefined when absent or not one of Parley's. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0 || pair.slice(0, separator).trim() !== name) continue;
    const value = pair.slice(separator + 1).trim();
    return COOKIE_VALUE.test(value) ? value : undefined;
  }
  return undefined;
}

function cookie(
  request: FastifyRequest,
  name: string,
  value: string,
  maxAgeSeconds: number,
  httpOnly: boolean,
) {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'SameSite=Lax',
    ...(httpOnly ? ['HttpOnly'] : []),
    ...(request.protocol === 'https' ? ['Secure'] : []),
  ].join('; ');
}

/** Sets both cookies of a new session. */
export function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  session: { readonly secret: string; readonly csrfToken: string; readonly lifetimeMs: number },
): void {
  const maxAge = Math.floor(session.lifetimeMs / 1000);
  reply.header('set-cookie', [
    cookie(request, SESSION_COOKIE, session.secret, maxAge, true),
    cookie(request, CSRF_COOKIE, session.csrfToken, maxAge, false),
  ]);
}

/** Clears both cookies (signing out). */
export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', [
    cookie(request, SESSION_COOKIE, '', 0, true),
    cookie(request, CSRF_COOKIE, '', 0, false),
  ]);
}
