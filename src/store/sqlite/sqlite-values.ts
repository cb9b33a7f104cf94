/** Column values read from node:sqlite rows, where NULL may come as null or be missing. */

import type { SQLInputValue } from 'node:sqlite';

export const nullableString = (value: SQLInputValue | undefined): string | null =>
  value === null || value === undefined ? null : String(value);
export const nullableNumber = (value: SQLInputValue | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);
