/** Bytes of an image or file part sent in a request, named by their SHA-256 for the store. */

import { createHash } from 'node:crypto';
import type { NewAttachment } from '../store/store.ts';

/**
 * Adds `data` to the request's `attachments` (once, however often it is sent) and returns its
 * SHA-256 hex, which the part stores in place of the bytes.
 */
export function collectAttachment(data: Uint8Array, attachments: NewAttachment[]): string {
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (!attachments.some((attachment) => attachment.sha256 === sha256)) attachments.push({ sha256, data });
  return sha256;
}
