/**
 * NUL characters (U+0000) are refused at the edge with a 400 naming where they were: PostgreSQL
 * cannot store them in text, and no chat text needs one. Bodies are checked by the JSON parser
 * (`json-body.ts`), the path and query string here, before routing.
 */

import type { FastifyInstance } from 'fastify';
import { nulRefused } from './json-text.ts';
import { sendSurfaceError } from './surface-errors.ts';

export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (!/%00/.test(request.url)) return done();
    const query = request.url.indexOf('?');
    const where = query !== -1 && request.url.indexOf('%00', query) !== -1 ? 'the query string' : 'the path';
    sendSurfaceError(request, reply, nulRefused(where));
  });
}
