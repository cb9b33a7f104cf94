/**
 * A client gets a bounded time to send its request body: one that is still sending after
 * `PARLEY_REQUEST_TIMEOUT_MS` is disconnected, so connections that send a byte and stall cannot
 * pile up. (Node's own `requestTimeout` stops at the headers.) Answers, streams included, are not
 * limited: the clock stops once the body is in.
 */

import type { FastifyInstance } from 'fastify';

export function registerBodyTimeout(app: FastifyInstance, timeoutMs: number): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const incoming = request.raw;
    // Requests without a body (most GETs) are complete with their headers: no timer at all.
    if (incoming.complete) return done();
    const timer = setTimeout(() => {
      if (!incoming.complete) {
        request.log.info({ timeoutMs }, 'the client stalled while sending its request: disconnected');
        incoming.socket.destroy();
      }
    }, timeoutMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    incoming.once('end', stop);
    incoming.once('close', stop);
    done();
  });
}
