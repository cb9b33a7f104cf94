/**
 * The API reference of the operations routes: liveness, readiness and metrics, open without a key
 * for probes and scrapers. They touch no conversation.
 */

import { Type } from 'typebox';
import type { RouteDocs } from '../route-docs.ts';

const Check = Type.String({ enum: ['up', 'down'] });

export const opsDocs: RouteDocs = {
  'GET /healthz': {
    summary: 'Liveness: the server serves',
    description: 'Answers 200 as soon as the server serves requests; checks nothing else (see `/readyz`).',
    responses: {
      200: {
        description: 'Serving.',
        schema: Type.Object({ status: Type.Literal('ok') }),
        example: { status: 'ok' },
      },
    },
  },
  'GET /readyz': {
    summary: 'Readiness: every dependency answers',
    description:
      'Checks the database, and Redis when configured, each within a second: 200 while all answer, 503 (never a hang) ' +
      'when one does not, naming it.',
    responses: {
      200: {
        description: 'Ready.',
        schema: Type.Object({ status: Type.Literal('ok'), checks: Type.Record(Type.String(), Check) }),
        example: { status: 'ok', checks: { database: 'up' } },
      },
      503: {
        description: 'A dependency does not answer.',
        schema: Type.Object({
          status: Type.Literal('unavailable'),
          checks: Type.Record(Type.String(), Check),
        }),
        example: { status: 'unavailable', checks: { database: 'up', redis: 'down' } },
      },
    },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    description:
      'HTTP requests by route and status with latency, generations (active streams, time to first token, tokens, ' +
      'outcomes), upstream attempts and errors, limit rejections, and the process’s own metrics, in the Prometheus ' +
      'text format.',
    responses: {
      200: {
        description: 'The metrics.',
        contentType: 'text/plain',
        schema: Type.String(),
        example:
          '# HELP parley_active_streams Generations streaming right now\n# TYPE parley_active_streams gauge\n',
      },
    },
  },
};
