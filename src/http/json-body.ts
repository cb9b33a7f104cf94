/**
 * The JSON body parser: Fastify's own safeguards (prototype poisoning refused, via
 * secure-json-parse) plus a nesting limit, so no request can make a handler walk an absurdly deep
 * value. The depth scan is one pass over the text, skipping strings.
 */

import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { badRequest } from '../errors.ts';
import { nulPath, nulRefused } from './nul-characters.ts';

/** Deeper than any request Parley accepts needs (OpenAI's own bodies nest a handful of levels). */
export const MAX_JSON_DEPTH = 32;

/** The deepest `{`/`[` nesting of a JSON text, ignoring brackets inside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92 /* \\ */) index += 1;
      else if (code === 34 /* " */) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 123 || code === 91 /* { [ */) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (code === 125 || code === 93 /* } ] */) depth -= 1;
  }
  return deepest;
}

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
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      done(badRequest(`the body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    let value: unknown;
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (error) {
      done(
        badRequest(`the body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`),
        undefined,
      );
      return;
    }
    // JSON can only carry a NUL escaped, so texts without the escape need no walk.
    const nul = /\\u0000/.test(text) ? nulPath(value) : undefined;
    if (nul !== undefined) done(nulRefused(nul), undefined);
    else done(null, value);
  });
}
