/**
 * The bytes of a Parley export: its top-level `attachments` map, `{"<sha256>": {"data": "<base64>"}}`,
 * each SHA-256 once however many parts name it. An import decodes each one the messages name,
 * hashes it again and refuses the file when the hash differs (a 400 naming the attachment) or the
 * bytes are over `PARLEY_MAX_ATTACHMENT_BYTES` (a 413), so a file cannot store bytes under another
 * name. Attachments no part names are left out.
 */

import { createHash } from 'node:crypto';
import { badRequest, ParleyError } from '../errors.ts';
import type { NewAttachment } from '../store/store.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes per base64 piece of an entry: a multiple of 3, so the pieces join into one base64 text. */
const PIECE_BYTES = 3 * 16 * 1024;

/**
 * One entry of the map, as the export writes it, in pieces of about 64 KB: short-lived small
 * strings rather than one copy of the whole attachment as text (or two, with the JSON around it).
 */
export function* exportAttachmentEntry(sha256: string, data: Uint8Array): Generator<string> {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  yield `${JSON.stringify(sha256)}:{"data":"`;
  for (let start = 0; start < bytes.byteLength; start += PIECE_BYTES)
    yield bytes.subarray(start, start + PIECE_BYTES).toString('base64');
  yield '"}';
}

/**
 * The attachments `named` (by the file's parts), decoded and verified, in the order first named.
 * `map` is the file's `attachments` value (undefined in exports made before parts were exported).
 */
export function readExportAttachments(
  map: unknown,
  named: Iterable<string>,
  maxBytes: number,
): NewAttachment[] {
  const entries =
    typeof map === 'object' && map !== null && !Array.isArray(map)
      ? (map as Record<string, unknown>)
      : undefined;
  if (map !== undefined && entries === undefined)
    throw refused('attachments must be an object keyed by SHA-256');
  const attachments: NewAttachment[] = [];
  for (const sha256 of new Set(named)) {
    const entry = entries === undefined || !Object.hasOwn(entries, sha256) ? undefined : entries[sha256];
    if (entry === undefined) throw refused(`attachments.${sha256} is missing: a part names it`);
    const text =
      typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).data : undefined;
    if (typeof text !== 'string' || !BASE64.test(text) || text.length % 4 === 1)
      throw refused(`attachments.${sha256}.data must be base64`);
    const data = Buffer.from(text, 'base64');
    if (data.byteLength > maxBytes)
      throw new ParleyError(
        'PAYLOAD_TOO_LARGE',
        `import: attachment ${sha256} has ${data.byteLength} bytes, over the limit of ${maxBytes} (PARLEY_MAX_ATTACHMENT_BYTES); nothing was imported`,
      );
    if (createHash('sha256').update(data).digest('hex') !== sha256)
      throw refused(`attachment ${sha256}: its bytes have another SHA-256`);
    attachments.push({ sha256, data });
  }
  return attachments;
}

function refused(problem: string): ParleyError {
  return badRequest(`import: ${problem}; nothing was imported`);
}
