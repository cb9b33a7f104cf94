/**
 * Operations: `GET /healthz` answers 200 as soon as the server serves (liveness); `GET /readyz`
 * answers 200 only while every dependency answers — the database, and Redis when configured —
 * each within a short deadline (readiness fails fast, never hangs).
 */

import type { FastifyInstance } from 'fastify';

const READY_DEADLINE_MS = 1_000;

/** A dependency check: resolves true when the dependency answers. */
export type ReadinessCheck = () => Promise<boolean>;

async function withDeadline(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_DEADLINE_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(
  app: FastifyInstance,
  options: { checks: Readonly<Record<string, ReadinessCheck>> },
) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(
      names.map((name) => withDeadline(options.checks[name] ?? (async () => false))),
    );
    const checks = Object.fromEntries(
      names.map((name, index) => [name, results[index] === true ? 'up' : 'down']),
    );
    const ready = results.every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
  });
}
