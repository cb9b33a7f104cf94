/**
 * Images, files and audio in OpenAI's content parts: a `data:` URL (or `input_audio`'s base64)
 * becomes bytes with their media type; an image's `http(s)` URL is passed on as it is (the provider
 * fetches it: Parley never fetches a URL a client sent). Files OpenAI hosts (`file_id`) are refused
 * by name.
 */

import { badRequest } from '../../errors.ts';
import {
  assertAttachmentFits,
  base64ByteLength,
  decodeBase64,
  type InlineBytes,
  parseDataUrl,
} from '../collect-attachment.ts';
import { refuseEverywhere } from './provider-support.ts';

export type ImageSource = { readonly url: string } | (InlineBytes & { readonly url?: undefined });

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

/** OpenAI's audio formats (`input_audio.format`), and the media types Parley stores them as. */
export const AUDIO_MEDIA_TYPES = { wav: 'audio/wav', mp3: 'audio/mpeg' } as const;

export type AudioFormat = keyof typeof AUDIO_MEDIA_TYPES;

/** An `input_audio` part's bytes (`{data: <base64>, format: 'wav' | 'mp3'}`), or a 400 naming the field. */
export function audioBytes(audio: unknown, param: string): InlineBytes {
  const fields = (typeof audio === 'object' && audio !== null ? audio : {}) as Record<string, unknown>;
  const { data, format } = fields;
  if (typeof data !== 'string' || data === '') {
    throw badRequest(`Missing required parameter: '${param}.data'.`, `${param}.data`);
  }
  if (format !== 'wav' && format !== 'mp3') {
    throw badRequest(`Invalid value for '${param}.format': expected 'wav' or 'mp3'.`, `${param}.format`);
  }
  return { mediaType: AUDIO_MEDIA_TYPES[format], data: decodeBase64(data, `${param}.data`) };
}

/** The `input_audio` format of a stored audio part's media type. */
export function audioFormatOf(mediaType: string): AudioFormat {
  return mediaType === AUDIO_MEDIA_TYPES.mp3 ? 'mp3' : 'wav';
}

/** The detail an image part asks for, when it is one of OpenAI's. */
export function imageDetail(detail: unknown): { readonly detail?: 'auto' | 'low' | 'high' } {
  return detail === 'auto' || detail === 'low' || detail === 'high' ? { detail } : {};
}

/** The fields of OpenAI's request bodies that carry a `data:` URL: `image_url(.url)`, `file_data`. */
const INLINE_BYTE_FIELDS = new Set(['url', 'image_url', 'file_data']);

/** The base64 a field holds, if it is one that carries bytes: a `data:` URL, or `input_audio.data`. */
function inlineBase64(parentKey: unknown, key: unknown, field: string): string | undefined {
  if (key === 'data' && parentKey === 'input_audio') return field;
  if (typeof key === 'string' && INLINE_BYTE_FIELDS.has(key) && field.startsWith('data:')) {
    return field.slice(field.indexOf(',') + 1);
  }
  return undefined;
}

/**
 * The 413 for a `data:` URL or `input_audio` anywhere in a `/v1` body (chat messages, Responses
 * input, conversation items) whose bytes are over `maxBytes`, counted before anything is decoded.
 * The walk is bounded by the JSON parser's nesting limit.
 */
export function assertInlineBytesFit(body: unknown, maxBytes: number): void {
  const path: (string | number)[] = [];
  const at = () =>
    path.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    for (const [key, field] of entries) {
      path.push(key);
      if (typeof field === 'string') {
        const base64 = inlineBase64(path.at(-2), key, field);
        if (base64 !== undefined) assertAttachmentFits(base64ByteLength(base64), maxBytes, at());
      } else visit(field);
      path.pop();
    }
  };
  visit(body);
}
