/**
 * A message's parts as Parley's export writes them: the shapes the native API shows (snake_case,
 * `tool_call`, `tool_result`; bytes named by `sha256`), plus what an exact copy needs and the API
 * keeps to itself (a reasoning part's `encrypted` payload). Bytes are not here: the export's
 * `attachments` map holds each SHA-256's bytes once. `readExportPart` is the inverse, for imports.
 */

import type { ImageDetail, PartRecord } from '../store/store.ts';
import type { Reader } from './import-reader.ts';

export type ExportPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image'; readonly url: string; readonly detail?: ImageDetail }
  | {
      readonly type: 'image';
      readonly media_type: string;
      readonly sha256: string;
      readonly detail?: ImageDetail;
    }
  | { readonly type: 'file'; readonly media_type: string; readonly filename: string; readonly sha256: string }
  | { readonly type: 'audio'; readonly media_type: string; readonly sha256: string }
  | {
      readonly type: 'tool_call';
      readonly call_id: string;
      readonly name: string;
      readonly arguments: string;
    }
  | { readonly type: 'tool_result'; readonly call_id: string; readonly output: string }
  | { readonly type: 'reasoning'; readonly text: string; readonly encrypted?: string }
  | { readonly type: 'refusal'; readonly text: string };

export function toExportPart(part: PartRecord): ExportPart {
  const detail = 'detail' in part && part.detail !== undefined ? { detail: part.detail } : {};
  switch (part.type) {
    case 'image':
      return 'url' in part
        ? { type: 'image', url: part.url, ...detail }
        : { type: 'image', media_type: part.mediaType, sha256: part.attachment, ...detail };
    case 'file':
      return { type: 'file', media_type: part.mediaType, filename: part.filename, sha256: part.attachment };
    case 'audio':
      return { type: 'audio', media_type: part.mediaType, sha256: part.attachment };
    case 'tool-call':
      return { type: 'tool_call', call_id: part.callId, name: part.name, arguments: part.arguments };
    case 'tool-result':
      return { type: 'tool_result', call_id: part.callId, output: part.output };
    case 'reasoning':
      return {
        type: 'reasoning',
        text: part.text,
        ...(part.encrypted === undefined ? {} : { encrypted: part.encrypted }),
      };
    default:
      return part;
  }
}

const DETAILS: readonly ImageDetail[] = ['auto', 'low', 'high'];
const SHA256 = /^[0-9a-f]{64}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/** One part of an exported message, checked; the SHA-256s it names are checked by the caller. */
export function readExportPart(raw: Record<string, unknown>, read: Reader): PartRecord {
  const sha256 = () => {
    const value = read.string(raw, 'sha256');
    return SHA256.test(value) ? value : read.fail('sha256', 'a SHA-256 in lower-case hex');
  };
  const mediaType = () => {
    const value = read.string(raw, 'media_type');
    return MEDIA_TYPE.test(value) ? value : read.fail('media_type', 'a media type such as image/png');
  };
  switch (raw.type) {
    case 'text':
      return { type: 'text', text: read.string(raw, 'text') };
    case 'image': {
      const detailValue = read.optionalString(raw, 'detail');
      const detail = DETAILS.find((candidate) => candidate === detailValue);
      if (detailValue !== undefined && detail === undefined) read.fail('detail', DETAILS.join(', '));
      const detailField = detail === undefined ? {} : { detail };
      if (raw.sha256 === undefined) return { type: 'image', url: read.string(raw, 'url'), ...detailField };
      return { type: 'image', attachment: sha256(), mediaType: mediaType(), ...detailField };
    }
    case 'file':
      return {
        type: 'file',
        attachment: sha256(),
        mediaType: mediaType(),
        filename: read.string(raw, 'filename'),
      };
    case 'audio':
      return { type: 'audio', attachment: sha256(), mediaType: mediaType() };
    case 'tool_call':
      return {
        type: 'tool-call',
        callId: read.string(raw, 'call_id'),
        name: read.string(raw, 'name'),
        arguments: read.string(raw, 'arguments'),
      };
    case 'tool_result':
      return { type: 'tool-result', callId: read.string(raw, 'call_id'), output: read.string(raw, 'output') };
    case 'reasoning': {
      const encrypted = read.optionalString(raw, 'encrypted');
      return {
        type: 'reasoning',
        text: read.string(raw, 'text'),
        ...(encrypted === undefined ? {} : { encrypted }),
      };
    }
    case 'refusal':
      return { type: 'refusal', text: read.string(raw, 'text') };
    default:
      return read.fail('type', 'one of text, image, file, audio, tool_call, tool_result, reasoning, refusal');
  }
}
