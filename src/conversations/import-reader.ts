/**
 * Reading an uploaded import: field readers that fail with a 400 naming the field's place in the
 * file (`conversations[0].messages[3].role`), shared by Parley's and ChatGPT's formats.
 */

import { badRequest } from '../errors.ts';
import type { MessageRole } from '../store/store.ts';
import { isSamplingValue, SAMPLING_LIMITS } from './sampling.ts';

export const ROLES: readonly MessageRole[] = ['system', 'developer', 'user', 'assistant', 'tool'];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field readers that fail with the field's place in the file. */
export class Reader {
  readonly where: string;
  constructor(where: string) {
    this.where = where;
  }
  fail(field: string, expected: string): never {
    throw badRequest(
      `import: ${[this.where, field].filter((name) => name !== '').join('.')} must be ${expected}; nothing was imported`,
    );
  }
  string(record: Record<string, unknown>, field: string): string {
    const value = record[field];
    return typeof value === 'string' ? value : this.fail(field, 'a string');
  }
  optionalString(record: Record<string, unknown>, field: string): string | undefined {
    const value = record[field];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : this.fail(field, 'a string');
  }
  nullableString(record: Record<string, unknown>, field: string): string | null {
    const value = record[field];
    if (value === null || value === undefined) return null;
    return typeof value === 'string' ? value : this.fail(field, 'a string or null');
  }
  number(record: Record<string, unknown>, field: string): number {
    const value = record[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : this.fail(field, 'a number');
  }
  nullableNumber(record: Record<string, unknown>, field: string): number | null {
    const value = record[field];
    if (value === null || value === undefined) return null;
    return typeof value === 'number' && Number.isFinite(value) ? value : this.fail(field, 'a number or null');
  }
  /** A conversation's sampling value (absent in older exports: null), within what the API accepts. */
  sampling(
    record: Record<string, unknown>,
    field: string,
    kind: keyof typeof SAMPLING_LIMITS,
  ): number | null {
    const value = this.nullableNumber(record, field);
    if (value === null || isSamplingValue(kind, value)) return value;
    const { minimum, maximum } = SAMPLING_LIMITS[kind];
    const what = kind === 'temperature' ? 'a number' : 'a whole number';
    return this.fail(field, `${what} from ${minimum} to ${maximum}, or null`);
  }
  oneOf<T extends string>(record: Record<string, unknown>, field: string, allowed: readonly T[]): T {
    const value = record[field];
    return (
      allowed.find((candidate) => candidate === value) ?? this.fail(field, `one of ${allowed.join(', ')}`)
    );
  }
}
