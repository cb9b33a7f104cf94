/**
 * One streamed answer through each of Parley's streaming surfaces, as a client asks it: the
 * seed's `/ask`, the native `POST /api/conversations/{id}/messages` (in a conversation of its
 * own), `/v1/responses` and `/v1/chat/completions`, all with `stream: true`. Each stream is read on
 * a connection of its own, so the socket's byte count is that answer's bytes on the wire (status
 * line, headers and chunked framing included); its text can be put back together from the events.
 */

import { request } from 'node:http';
import type { Socket } from 'node:net';
import { MODEL } from './wire.ts';

export type StreamSurface = 'ask' | 'native' | 'responses' | 'chat';

export const STREAM_SURFACES: readonly StreamSurface[] = ['ask', 'native', 'responses', 'chat'];

export const SURFACE_LABELS: Record<StreamSurface, string> = {
  ask: 'seed `POST /ask`',
  native: 'native `POST /api/conversations/{id}/messages`',
  responses: '`POST /v1/responses`',
  chat: '`POST /v1/chat/completions`',
};

const QUESTION = 'Could you explain conversation trees at length?';

export interface StreamRead {
  readonly status: number;
  /** Bytes the client's socket read: the whole HTTP response as sent. */
  readonly wireBytes: number;
  /** Bytes of the body after chunked decoding. */
  readonly bodyBytes: number;
  /** Send → the body's last byte, in ms. */
  readonly ms: number;
  /** The body, when asked for. */
  readonly text?: string;
}

/** POSTs `body` on a fresh connection and reads the whole answer. */
function readStream(url: string, body: string, keepText: boolean): Promise<StreamRead> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let socket: Socket | undefined;
    const sent = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let bodyBytes = 0;
        response.on('data', (chunk: Buffer) => {
          bodyBytes += chunk.length;
          if (keepText) chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            wireBytes: socket?.bytesRead ?? Number.NaN,
            bodyBytes,
            ms: performance.now() - started,
            ...(keepText ? { text: Buffer.concat(chunks).toString() } : {}),
          }),
        );
      },
    );
    sent.on('socket', (opened) => {
      socket = opened;
    });
    sent.on('error', reject);
    sent.setTimeout(120_000, () => sent.destroy(new Error('no answer within 120 s')));
    sent.end(body);
  });
}

/** The path and body that ask the question on `surface` (the native one in a new conversation). */
async function requestFor(surface: StreamSurface, origin: string): Promise<{ path: string; body: string }> {
  switch (surface) {
    case 'ask':
      return { path: '/ask', body: JSON.stringify({ msg: QUESTION, stream: true }) };
    case 'native': {
      const created = await fetch(`${origin}/api/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const conversation = (await created.json()) as { id?: string };
      if (created.status !== 201 || conversation.id === undefined)
        throw new Error(`creating a conversation: ${created.status} ${JSON.stringify(conversation)}`);
      return {
        path: `/api/conversations/${conversation.id}/messages`,
        body: JSON.stringify({ content: QUESTION, stream: true }),
      };
    }
    case 'responses':
      return { path: '/v1/responses', body: JSON.stringify({ model: MODEL, input: QUESTION, stream: true }) };
    case 'chat':
      return {
        path: '/v1/chat/completions',
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: QUESTION }], stream: true }),
      };
  }
}

/** Asks the question on `surface` and reads the stream to its end. */
export async function askStreaming(
  surface: StreamSurface,
  origin: string,
  keepText: boolean,
): Promise<StreamRead> {
  const { path, body } = await requestFor(surface, origin);
  return readStream(`${origin}${path}`, body, keepText);
}

/** The events of a Server-Sent Events body: each one's `event` name (empty when none) and data. */
function events(text: string): { event: string; data: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event =
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? '';
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      return { event, data };
    });
}

/**
 * The answer's text as the surface's client puts it together: the seed's last cumulative
 * `message`, the native `delta` events joined, the Responses API's `response.output_text.delta`
 * joined, the chat completion chunks' `delta.content` joined.
 */
export function answerText(surface: StreamSurface, body: string): string {
  const all = events(body).filter((entry) => entry.data !== '' && entry.data !== '[DONE]');
  switch (surface) {
    case 'ask': {
      let text = '';
      for (const entry of all)
        if (entry.event === '') text = (JSON.parse(entry.data) as { message: string }).message;
      return text;
    }
    case 'native':
      return all
        .filter((entry) => entry.event === 'delta')
        .map((entry) => (JSON.parse(entry.data) as { delta: string }).delta)
        .join('');
    case 'responses':
      return all
        .map((entry) => JSON.parse(entry.data) as { type: string; delta?: string })
        .filter((event) => event.type === 'response.output_text.delta')
        .map((event) => event.delta ?? '')
        .join('');
    case 'chat':
      return all
        .map(
          (entry) =>
            (JSON.parse(entry.data) as { choices: { delta?: { content?: string | null } }[] }).choices[0]
              ?.delta?.content ?? '',
        )
        .join('');
  }
}
