/**
 * Reading a JSON text as Parley accepts it, with no server around it (the body parser and the
 * import worker both use it): prototype poisoning refused (secure-json-parse), a nesting limit so
 * nothing walks an absurdly deep value, and no NUL character anywhere (PostgreSQL cannot store
 * one in text, and no chat text needs one). Every refusal is a 400 that says why.
 */

import secureJson from 'secure-json-parse';
import { badRequest, type ParleyError } from '../errors.ts';

/** Deeper than any request Parley accepts needs (OpenAI's own bodies nest a handful of levels). */
export const MAX_JSON_DEPTH = 32;

/** True when the text holds more than `count` opening brackets (`{`, `[`), strings included. */
function opensMoreThan(text: string, count: number): boolean {
  let seen = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      seen += 1;
      if (seen > count) return true;
    }
  }
  return false;
}

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

/** Parses a (non-empty) JSON text; throws a 400 `ParleyError` saying what is wrong with it. */
export function parseJsonText(text: string): unknown {
  // Nesting needs brackets: a text with few of them (most bodies) skips the character walk.
  if (opensMoreThan(text, MAX_JSON_DEPTH) && jsonDepth(text) > MAX_JSON_DEPTH)
    throw badRequest(`the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`);
  }
  // JSON can only carry a NUL escaped, so texts without the escape need no walk.
  const nul = /\\u0000/.test(text) ? nulPath(value) : undefined;
  if (nul !== undefined) throw nulRefused(nul);
  return value;
}
