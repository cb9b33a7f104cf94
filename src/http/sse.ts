/**
 * Writes Server-Sent Events straight to the socket: no buffering, one frame per event, with
 * backpressure (a slow client pauses the writer instead of growing memory).
 */

import { once } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';

export interface SseFrame {
  readonly id?: number;
  readonly event?: string;
  /** Written as is: JSON text, or a sentinel such as `[DONE]`. */
  readonly data: string;
}

export class SseWriter {
  readonly #reply: FastifyReply;
  #open = false;

  constructor(reply: FastifyReply) {
    this.#reply = reply;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Sends the status line and headers; Fastify no longer touches this response. */
  open(headers: Readonly<Record<string, string>> = {}): void {
    // Headers hooks set on the reply (e.g. x-ratelimit-*) go out too: hijacking skips Fastify's send.
    const fromHooks: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(this.#reply.getHeaders())) {
      if (value !== undefined) fromHooks[name] = value;
    }
    this.#reply.hijack();
    this.#reply.raw.writeHead(200, {
      ...fromHooks,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx not to buffer this response.
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.#open = true;
  }

  /** Writes one frame; waits when the client reads slower than the model writes. */
  async send(frame: SseFrame): Promise<void> {
    const response = this.#reply.raw;
    if (response.destroyed) return;
    let text = '';
    if (frame.id !== undefined) text += `id: ${frame.id}\n`;
    if (frame.event !== undefined) text += `event: ${frame.event}\n`;
    text += `data: ${frame.data}\n\n`;
    if (!response.write(text)) {
      // Whichever comes first; the other's listener is removed, so many waits add none for good.
      const settled = new AbortController();
      const options = { signal: settled.signal };
      try {
        await Promise.race([once(response, 'drain', options), once(response, 'close', options)]);
      } finally {
        settled.abort();
      }
    }
  }

  end(): void {
    if (!this.#reply.raw.destroyed) this.#reply.raw.end();
  }
}
