/**
 * Images and files in OpenAI's content parts: a `data:` URL becomes bytes with their media type;
 * an image's `http(s)` URL is passed on as it is (the provider fetches it: Parley never fetches a
 * URL a client sent). Files OpenAI hosts (`file_id`) are refused by name.
 */

import { badRequest } from '../../errors.ts';
import { refuseEverywhere } from './provider-support.ts';

export interface InlineBytes {
  readonly mediaType: string;
  readonly data: Uint8Array;
}

export type ImageSource = { readonly url: string } | (InlineBytes & { readonly url?: undefined });

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `data:<media type>[;param=value];base64,<data>` as bytes, or undefined for a URL of another scheme.
 * @example parseDataUrl('data:image/png;base64,iVBO...', 'image_url') // { mediaType: 'image/png', data }
 */
export function parseDataUrl(url: string, param: string): InlineBytes | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  const header = url.slice('data:'.length, comma === -1 ? undefined : comma).split(';');
  const mediaType = header[0]?.toLowerCase() ?? '';
  const payload = comma === -1 ? '' : url.slice(comma + 1);
  if (comma === -1 || header.at(-1) !== 'base64' || !MEDIA_TYPE.test(mediaType) || !BASE64.test(payload)) {
    throw badRequest(`Invalid data URL at '${param}': expected data:<media type>;base64,<data>.`, param);
  }
  return { mediaType, data: Buffer.from(payload, 'base64') };
}

/** An image given by URL: inline bytes from a data URL, or an http(s) URL passed on. */
export function imageSource(url: unknown, param: string): ImageSource {
  if (typeof url !== 'string' || url === '')
    throw badRequest(`Missing required parameter: '${param}'.`, param);
  const inline = parseDataUrl(url, param);
  if (inline !== undefined) {
    if (!inline.mediaType.startsWith('image/')) {
      throw badRequest(`Invalid image at '${param}': '${inline.mediaType}' is not an image type.`, param);
    }
    return inline;
  }
  if (!/^https?:\/\//i.test(url)) {
    throw badRequest(`Invalid image URL at '${param}': expected an https URL or a data URL.`, param);
  }
  return { url };
}

/** A file's bytes from a data URL (`file_data`); a hosted file id or a file URL is refused. */
export function fileBytes(file: Readonly<Record<string, unknown>>, param: string): InlineBytes {
  for (const hosted of ['file_id', 'file_url'] as const) {
    if (file[hosted] != null) {
      throw refuseEverywhere(`${param}.${hosted}`, 'files are sent inline, as file_data with a data URL');
    }
  }
  const data = file.file_data;
  const inline = typeof data === 'string' ? parseDataUrl(data, `${param}.file_data`) : undefined;
  if (inline === undefined) {
    throw badRequest(
      `Invalid value for '${param}.file_data': expected a data URL (data:<media type>;base64,<data>).`,
      `${param}.file_data`,
    );
  }
  return inline;
}

/** The detail an image part asks for, when it is one of OpenAI's. */
export function imageDetail(detail: unknown): { readonly detail?: 'auto' | 'low' | 'high' } {
  return detail === 'auto' || detail === 'low' || detail === 'high' ? { detail } : {};
}
