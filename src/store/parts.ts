/**
 * A message's parts as the store keeps them: a JSON array in the message's `parts` column, written
 * once when the message is complete. A message whose parts are only its text keeps `parts` null
 * (every message written before parts existed, too): it reads back as one text part, so nothing
 * is rewritten to migrate. Bytes of images, files and audio are not in the JSON: a part names them
 * by their SHA-256 (`attachment`), stored once in the attachments table.
 */

import type { PartRecord } from './store.ts';

/** The column's value for these parts: null when the text column says it all. */
export function encodeParts(parts: readonly PartRecord[] | undefined, content: string): string | null {
  if (parts === undefined) return null;
  if (parts.length === 0 && content === '') return null;
  const onlyText = parts.length === 1 && parts[0]?.type === 'text' && parts[0].text === content;
  return onlyText ? null : JSON.stringify(parts);
}

/** The parts of a row: its JSON, or its text as one part. */
export function decodeParts(json: string | null, content: string): readonly PartRecord[] {
  return json === null ? textParts(content) : (JSON.parse(json) as PartRecord[]);
}

/** The parts of a text-only message. */
export function textParts(text: string): readonly PartRecord[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

/** The plain text of parts: what the text column holds (search, the seed API, token counts). */
export function textOfParts(parts: readonly PartRecord[]): string {
  let text = '';
  for (const part of parts) if (part.type === 'text') text += part.text;
  return text;
}

/** The attachments (SHA-256 hex) that parts name. */
export function attachmentsOf(parts: readonly PartRecord[]): string[] {
  const hashes: string[] = [];
  for (const part of parts) if ('attachment' in part) hashes.push(part.attachment);
  return hashes;
}

/** A JSON column's text, or null. */
export function encodeJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** A JSON column's value, decoded once when the row is read; null when empty or not JSON. */
export function decodeJson<T>(text: string | null): T | null {
  if (text === null || text === '') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
