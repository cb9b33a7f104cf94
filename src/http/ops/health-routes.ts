/**
 * Operations: `GET /healthz` answers 200 as soon as the server serves (liveness); `GET /readyz`
 * answers 200 only while the database answers, within a short deadline (readiness: never hangs).
 */

import type { FastifyInstance } from 'fastify';
import type { ConversationService } from '../../conversations/conversation-service.ts';

const READY_DEADLINE_MS = 1_000;

export async function healthRoutes(app: FastifyInstance, options: { conversations: ConversationService }) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_DEADLINE_MS);
    });
    const database = await Promise.race([options.conversations.storeIsReachable(), deadline]);
    clearTimeout(timer);
    if (!database) return reply.code(503).send({ status: 'unavailable', checks: { database: 'down' } });
    return { status: 'ok', checks: { database: 'up' } };
  });
}
