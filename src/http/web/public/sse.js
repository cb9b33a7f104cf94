/**
 * Reads a Server-Sent Events body (Parley's native stream: `start`, `delta`, `reasoning`, `done`,
 * `error` events and more, JSON data) as it arrives, whatever the chunking: a frame split across reads is joined. Frames come in
 * batches, one per read, so a reader that fell behind can skip what a later frame replaces.
 */

/**
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<Array<{event: string, data: string, id: string | undefined}>>}
 */
export async function* readEventBatches(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      // Joined before normalising, so a CRLF split between two reads is still one line break.
      buffer = (buffer + value).replace(/\r\n/g, '\n');
      const batch = [];
      let start = 0;
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n', start)) {
        const frame = parseFrame(buffer.slice(start, end));
        start = end + 2;
        if (frame !== undefined) batch.push(frame);
      }
      buffer = buffer.slice(start);
      if (batch.length > 0) yield batch;
    }
  } finally {
    // A reader that stops early (a `break`, an abort) lets go of the connection too.
    await reader.cancel().catch(() => {});
  }
}

function parseFrame(block) {
  let event = 'message';
  let id;
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n'), id };
}
