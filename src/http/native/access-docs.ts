/**
 * The API reference of the native access routes: users, browser sessions, the caller (`/me`) and
 * the audit log. Their 2xx answers are described by the routes' own response schemas (which
 * serialize them); this adds what they do and their errors.
 */

import { errorResponses, type RouteDocs, WITH_BODY } from '../route-docs.ts';
import { nativeError } from './native-error-schema.ts';

export const accessDocs: RouteDocs = {
  'GET /api/session': {
    summary: 'Who is signed in with this browser',
    description:
      'The session of the browser’s cookie (its user, CSRF token and expiry), or none; and whether the first admin ' +
      'is still to be made (`setup_needed`, allowed from this machine only). Open without a key.',
    responses: errorResponses(nativeError, []),
  },
  'POST /api/session': {
    summary: 'Sign in with a name and password',
    description:
      'Opens a browser session: sets the HttpOnly session cookie and answers the CSRF token that writes must send. ' +
      'A wrong name or password is one 401 (which of the two is not said); repeated failures are slowed down.',
    requestExamples: { 'sign in': { name: 'ada', password: 'correct horse battery staple' } },
    responses: errorResponses(nativeError, [...WITH_BODY]),
  },
  'DELETE /api/session': {
    summary: 'Sign out this browser, or everywhere',
    description:
      'Ends this browser’s session (with `everywhere=true`, every session of its user) and clears the cookies.',
    responses: errorResponses(nativeError, [400, 403]),
  },
  'GET /api/me': {
    summary: 'Who the caller is',
    description:
      'The user a key or session acts as, its role, how it is signed in and the models it may use.',
    responses: errorResponses(nativeError, []),
  },
  'POST /api/me/password': {
    summary: 'Change the caller’s password',
    description:
      'Sets a new password (the current one is needed when one is set) and ends the user’s other sessions.',
    requestExamples: {
      'a new password': {
        current_password: 'correct horse battery staple',
        new_password: 'a longer one, 2026',
      },
    },
    responses: errorResponses(nativeError, [...WITH_BODY, 403]),
  },
  'GET /api/me/sessions': {
    summary: 'The caller’s live browser sessions',
    description:
      'Where the caller is signed in: each session’s address, browser and times, the current one marked.',
    responses: errorResponses(nativeError, []),
  },
  'GET /api/users': {
    summary: 'List users (admin)',
    description: 'Every user, without password hashes.',
    responses: errorResponses(nativeError, [403]),
  },
  'POST /api/users': {
    summary: 'Create a user (admin)',
    description:
      'A user who owns conversations, keys and usage, signing in with a password (or single sign-on). While no user ' +
      'exists, the first admin is created from this machine only.',
    requestExamples: { 'a user': { name: 'ada', password: 'correct horse battery staple' } },
    responses: errorResponses(nativeError, [...WITH_BODY, 403, 409]),
  },
  'GET /api/users/:id': {
    summary: 'Read one user (admin)',
    description: 'One user, without the password hash.',
    responses: errorResponses(nativeError, [403, 404]),
  },
  'PATCH /api/users/:id': {
    summary: 'Change a user (admin)',
    description:
      'Changes only the fields sent: name, email, role, disabled (a disabled user’s keys and sessions stop working), ' +
      'or a new password. An admin cannot disable or demote themself.',
    requestExamples: { disable: { disabled: true } },
    responses: errorResponses(nativeError, [...WITH_BODY, 403, 404, 409]),
  },
  'GET /api/audit': {
    summary: 'The audit log (admin)',
    description:
      'Admin actions (users, keys, sign-ins), newest first, `limit` (1 to 200) before the id `before`.',
    responses: errorResponses(nativeError, [400, 403]),
  },
};
