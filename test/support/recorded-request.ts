/** What the fake upstreams record of each request they receive. */

import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The JSON body (set once read; undefined for an empty body). */
  readonly body: unknown;
  /** True once the client closed the connection before the reply was finished. */
  clientClosedEarly: boolean;
  /** Resolves when the reply is over, either way. */
  readonly settled: Promise<void>;
}

/** Starts recording a request: it notes an early close and settles when the response closes. */
export function recordRequest(request: IncomingMessage, response: ServerResponse): RecordedRequest {
  let settle = (): void => {};
  const recorded: RecordedRequest = {
    method: request.method ?? '',
    path: request.url ?? '',
    headers: request.headers,
    body: undefined,
    clientClosedEarly: false,
    settled: new Promise((resolve) => {
      settle = resolve;
    }),
  };
  response.on('close', () => {
    if (!response.writableFinished) recorded.clientClosedEarly = true;
    settle();
  });
  return recorded;
}

/** The whole request body as text. */
export async function readRequestText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
