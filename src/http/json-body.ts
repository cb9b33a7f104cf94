/**
 * The JSON body parser: Fastify's own safeguards (prototype poisoning refused), a nesting limit and
 * no NUL characters (`json-text.ts`), and an empty body read as `{}`.
 */

import type { FastifyInstance } from 'fastify';
import { parseJsonText } from './json-text.ts';

export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    // No body, whatever the header says (OpenAI's Python SDK sends it on DELETE): read as `{}`, so
    // routes that take no body or an optional one answer, and the others name the missing field.
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    let value: unknown;
    try {
      value = parseJsonText(text);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    done(null, value);
  });
}
