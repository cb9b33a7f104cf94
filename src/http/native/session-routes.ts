/**
 * `/api/session`: sign in with a name and password (a session cookie and its CSRF token), sign out
 * (this browser, or everywhere), and what the sign-in page needs to know (whether anyone is signed
 * in, whether the first admin is still to be made, whether single sign-on is on). Open without
 * credentials; failed sign-ins are limited per account and per address.
 */

import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AccessServices } from '../../access/access-services.ts';
import { verifyPassword } from '../../access/passwords.ts';
import { isLoopbackAddress } from '../../access/principal.ts';
import { ParleyError } from '../../errors.ts';
import {
  clearSessionCookies,
  CSRF_HEADER,
  readCookie,
  SESSION_COOKIE,
  setSessionCookies,
} from '../cookies.ts';
import { recordAudit } from './audit-routes.ts';
import type { NativeApp } from './native-app.ts';
import { toUserObject, UserObject } from './user-object.ts';

const SignInBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 1_000 }),
  },
  { additionalProperties: false },
);

const SignOutQuery = Type.Object(
  { everywhere: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  { additionalProperties: false },
);

const SessionState = Type.Object({
  object: Type.Literal('session'),
  user: Type.Union([UserObject, Type.Null()]),
  csrf_token: Type.Union([Type.String(), Type.Null()]),
  expires_at: Type.Union([Type.Integer(), Type.Null()]),
  /** No user exists yet: the page offers to make the first admin (from this machine only). */
  setup_needed: Type.Boolean(),
  setup_allowed: Type.Boolean(),
  single_sign_on: Type.Union([Type.Object({ label: Type.String(), start_url: Type.String() }), Type.Null()]),
});

const WRONG = 'the name or the password is wrong';

export function registerSessionRoutes(app: NativeApp, access: AccessServices): void {
  const singleSignOn = access.singleSignOn;
  const sessionOf = async (request: FastifyRequest) => {
    const cookie = readCookie(request, SESSION_COOKIE);
    const found = cookie === undefined ? undefined : await access.sessions.authenticate(cookie);
    return found === undefined || cookie === undefined ? undefined : { ...found, cookie };
  };

  app.get(
    '/session',
    {
      schema: {
        summary: 'Who is signed in with this browser, and whether the first admin is still to be made',
        tags: ['session'],
        response: { 200: SessionState },
      },
    },
    async (request) => {
      const found = await sessionOf(request);
      const setupNeeded = !(await access.users.hasUsers());
      const user =
        found?.principal.userId == null ? undefined : await access.users.get(found.principal.userId);
      return {
        object: 'session' as const,
        user: user === undefined ? null : toUserObject(user),
        csrf_token: found?.csrfToken ?? null,
        expires_at: found === undefined ? null : Math.floor(found.session.expiresAt / 1000),
        setup_needed: setupNeeded,
        setup_allowed: setupNeeded && isLoopbackAddress(request.ip),
        single_sign_on:
          singleSignOn === null ? null : { label: singleSignOn.label, start_url: '/api/session/oidc/start' },
      };
    },
  );

  app.post(
    '/session',
    {
      schema: {
        summary: 'Sign in with a name and password (sets the session cookie)',
        tags: ['session'],
        body: SignInBody,
        response: { 200: SessionState },
      },
    },
    async (request, reply) => {
      const { name, password } = request.body;
      await access.loginGuard.check(name, request.ip);
      const user = await access.users.findByName(name);
      const matches = await verifyPassword(user?.passwordHash ?? null, password);
      if (user === undefined || !matches || user.disabledAt !== null) {
        await access.loginGuard.failed(name, request.ip);
        throw new ParleyError('UNAUTHORIZED', WRONG);
      }
      await access.loginGuard.succeeded(name);
      const opened = await access.sessions.open(user, {
        address: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookies(request, reply, { ...opened, lifetimeMs: access.sessions.lifetimeMs });
      return {
        object: 'session' as const,
        user: toUserObject(user),
        csrf_token: opened.csrfToken,
        expires_at: Math.floor(opened.session.expiresAt / 1000),
        setup_needed: false,
        setup_allowed: false,
        single_sign_on: null,
      };
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        summary: 'Sign out this browser, or everywhere (?everywhere=true: every session of the user)',
        tags: ['session'],
        querystring: SignOutQuery,
        response: { 200: Type.Object({ object: Type.Literal('session'), ended: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const found = await sessionOf(request);
      clearSessionCookies(request, reply);
      if (found === undefined) return { object: 'session' as const, ended: 0 };
      const token = request.headers[CSRF_HEADER];
      if (typeof token !== 'string' || !access.sessions.csrfTokenMatches(found.cookie, token))
        throw new ParleyError('FORBIDDEN', `signing out needs the ${CSRF_HEADER} header`);
      const userId = found.session.userId;
      if (request.query.everywhere === 'true') {
        request.principal = found.principal;
        const ended = await access.sessions.endAll(userId);
        await recordAudit(access, request, 'session.end_all', { type: 'user', id: userId }, { ended });
        return { object: 'session' as const, ended };
      }
      return { object: 'session' as const, ended: (await access.sessions.end(found.session.id)) ? 1 : 0 };
    },
  );
}
