/**
 * Single sign-on's two browser stops: `GET /api/session/oidc/start` sends the browser to the
 * identity provider (with the flow's state in a short-lived signed cookie), and
 * `GET /api/session/oidc/callback` is where it comes back: the user gets a session and goes on to
 * the page they came from. A refusal (a domain not allowed, a tampered state, a disabled account)
 * sends the browser back to the sign-in page with the reason.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AccessServices } from '../../access/access-services.ts';
import { userPrincipal } from '../../access/principal.ts';
import { FLOW_LIFETIME_MS, type SingleSignOn, SingleSignOnError } from '../../access/single-sign-on.ts';
import { readCookie, setSessionCookies } from '../cookies.ts';
import { recordUserCreated } from './audit-routes.ts';
import type { NativeApp } from './native-app.ts';

const FLOW_COOKIE = 'parley_oidc';
const FLOW_PATH = '/api/session/oidc/';

const StartQuery = Type.Object(
  { next: Type.Optional(Type.String({ maxLength: 2_000 })) },
  { additionalProperties: false },
);

/** Only a path on this site: never an open redirect. */
const safeNext = (next: string | undefined) =>
  next?.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';

function flowCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  return [
    `${FLOW_COOKIE}=${value}`,
    `Path=${FLOW_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    'SameSite=Lax',
    'HttpOnly',
    ...(request.protocol === 'https' ? ['Secure'] : []),
  ].join('; ');
}

function backToSignIn(reply: FastifyReply, reason: string) {
  return reply.redirect(`/signin?error=${encodeURIComponent(`Single sign-on failed: ${reason}`)}`, 302);
}

export function registerOidcRoutes(app: NativeApp, access: AccessServices, singleSignOn: SingleSignOn): void {
  const callbackUrl = (request: FastifyRequest) =>
    `${request.protocol}://${request.host}/api/session/oidc/callback`;

  app.get(
    '/session/oidc/start',
    {
      schema: {
        summary: 'Start single sign-on: redirects to the identity provider',
        tags: ['session'],
        querystring: StartQuery,
      },
    },
    async (request, reply) => {
      try {
        const started = await singleSignOn.start(callbackUrl(request), safeNext(request.query.next));
        reply.header('set-cookie', flowCookie(request, started.cookie, FLOW_LIFETIME_MS / 1000));
        return reply.redirect(started.url, 302);
      } catch (error) {
        if (error instanceof SingleSignOnError) return backToSignIn(reply, error.message);
        throw error;
      }
    },
  );

  app.get(
    '/session/oidc/callback',
    {
      schema: {
        summary: 'Where the identity provider sends the browser back: signs in and redirects on',
        tags: ['session'],
      },
    },
    async (request, reply) => {
      const url = new URL(request.url, callbackUrl(request));
      try {
        const { user, created, next } = await singleSignOn.finish(url, readCookie(request, FLOW_COOKIE));
        const opened = await access.sessions.open(user, {
          address: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        setSessionCookies(request, reply, { ...opened, lifetimeMs: access.sessions.lifetimeMs });
        reply.header('set-cookie', [
          ...[reply.getHeader('set-cookie') ?? []].flat().map(String),
          flowCookie(request, '', 0),
        ]);
        if (created) {
          // The person made themselves a user by signing in: the log names them as the actor.
          request.principal = userPrincipal(user, opened.session.id);
          await recordUserCreated(access, request, user, { from: 'single sign-on' });
        }
        return reply.redirect(next, 302);
      } catch (error) {
        if (error instanceof SingleSignOnError) return backToSignIn(reply, error.message);
        throw error;
      }
    },
  );
}
