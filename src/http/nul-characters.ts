/**
 * NUL characters (U+0000) are refused at the edge with a 400 naming where they were: PostgreSQL
 * cannot store them in text, and no chat text needs one. Bodies are checked by the JSON parser
 * (`json-body.ts`), the path and query string here, before routing.
 */

import type { FastifyInstance } from 'fastify';
import { badRequest, type ParleyError } from '../errors.ts';
import { sendSurfaceError } from './surface-errors.ts';

/** The path (`messages[2].content`) of the first string in `value` holding a NUL, or undefined. */
export function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'the body' : undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = nulPath(value[index], `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = nulPath(key, path === '' ? 'a field name' : `a field name in ${path}`);
      if (found !== undefined) return found;
      const inside = nulPath(item, path === '' ? key : `${path}.${key}`);
      if (inside !== undefined) return inside;
    }
  }
  return undefined;
}

export const nulRefused = (where: string): ParleyError =>
  badRequest(`${where} contains a NUL character (\\u0000), which Parley does not accept`, where);

export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (!/%00/.test(request.url)) return done();
    const query = request.url.indexOf('?');
    const where = query !== -1 && request.url.indexOf('%00', query) !== -1 ? 'the query string' : 'the path';
    sendSurfaceError(request, reply, nulRefused(where));
  });
}
