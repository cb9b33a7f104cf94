/**
 * The newer backend's `delta_encoding: v1` stream: instead of a whole message per event it sends
 * JSON-Pointer patches (`{"p": "/message/content/parts/0", "o": "append", "v": "Hel"}`) against a
 * document per channel (`c`), whose first patch installs it (`{"p": "", "o": "add", "v": {...}}`).
 * An absent `c`, `p` or `o` repeats the previous patch's (so `{"v": "lo"}` appends again); the
 * operations of an `o: "patch"` list carry their own. After each patch the channel's document
 * is a classic event (`{message, conversation_id}`), read like one.
 */

import { type ChatGPTWebDelta, isRecord } from './chatgpt-web-wire.ts';

/** A patch that does not fit the document it applies to. */
export class DeltaEncodingError extends Error {
  override readonly name = 'DeltaEncodingError';
}

export class DeltaDecoder {
  #channel = 0;
  #path = '';
  #operation = 'add';
  readonly #documents = new Map<number, unknown>();

  /** Applies one patch and returns its channel's document after it. */
  apply(delta: ChatGPTWebDelta): unknown {
    const channel = delta.c ?? this.#channel;
    let path = delta.p ?? this.#path;
    let operation = delta.o ?? this.#operation;
    // A bare value on a channel with no document yet installs that document.
    if (!this.#documents.has(channel) && delta.p === undefined && delta.o === undefined) {
      path = '';
      operation = 'add';
    }
    this.#channel = channel;
    this.#path = path;
    this.#operation = operation;
    const document = applyOperation(this.#documents.get(channel), path, operation, delta.v);
    this.#documents.set(channel, document);
    return document;
  }
}

/** Applies one operation at `path` and returns the (possibly new) root. */
function applyOperation(root: unknown, path: string, operation: string, value: unknown): unknown {
  if (operation === 'patch') {
    if (!Array.isArray(value)) throw new DeltaEncodingError('a "patch" operation needs a list');
    let result = root;
    for (const step of value) {
      if (!isRecord(step) || typeof step.p !== 'string' || typeof step.o !== 'string') {
        throw new DeltaEncodingError('a "patch" step needs a path and an operation');
      }
      result = applyOperation(result, path + step.p, step.o, step.v);
    }
    return result;
  }
  const tokens = parsePointer(path);
  const key = tokens.pop();
  if (key === undefined) return applyToValue(root, operation, value);
  let container = root;
  for (const token of tokens) container = childOf(container, token, path);
  if (Array.isArray(container)) {
    applyToArrayItem(container, key, operation, value, path);
  } else if (isRecord(container)) {
    if (operation === 'remove') delete container[key];
    else
      container[key] = applyToValue(
        Object.hasOwn(container, key) ? container[key] : undefined,
        operation,
        value,
      );
  } else {
    throw new DeltaEncodingError(`no object or list at ${path}`);
  }
  return root;
}

function applyToArrayItem(
  list: unknown[],
  key: string,
  operation: string,
  value: unknown,
  path: string,
): void {
  if (operation === 'add' && key === '-') {
    list.push(value);
    return;
  }
  const index = Number(key);
  if (!Number.isInteger(index) || index < 0 || index > list.length) {
    throw new DeltaEncodingError(`no list index ${key} at ${path}`);
  }
  if (operation === 'add') list.splice(index, 0, value);
  else if (operation === 'remove') list.splice(index, 1);
  else list[index] = applyToValue(list[index], operation, value);
}

/** The new value of one place: `add` and `replace` set it, `append` extends it, `truncate` cuts it. */
function applyToValue(current: unknown, operation: string, value: unknown): unknown {
  switch (operation) {
    case 'add':
    case 'replace':
      return value;
    case 'remove':
      return undefined;
    case 'append':
      if (typeof current === 'string') return current + String(value);
      if (Array.isArray(current)) return current.concat(Array.isArray(value) ? value : [value]);
      return value;
    case 'truncate':
      if (typeof value !== 'number') throw new DeltaEncodingError('"truncate" needs a length');
      if (typeof current === 'string' || Array.isArray(current)) return current.slice(0, value);
      return current;
    default:
      throw new DeltaEncodingError(`unknown operation "${operation}"`);
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** RFC 6901: `/a/b~1c` → `["a", "b/c"]`. */
function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new DeltaEncodingError(`"${path}" is not a JSON pointer`);
  return path
    .slice(1)
    .split('/')
    .map((token) => {
      const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
      if (FORBIDDEN_KEYS.has(key)) throw new DeltaEncodingError(`"${key}" is not a usable key`);
      return key;
    });
}

function childOf(container: unknown, token: string, path: string): unknown {
  if (Array.isArray(container)) {
    const index = Number(token);
    if (Number.isInteger(index) && index >= 0 && index < container.length) return container[index];
  } else if (isRecord(container) && Object.hasOwn(container, token)) {
    return container[token];
  }
  throw new DeltaEncodingError(`nothing at ${path}`);
}
