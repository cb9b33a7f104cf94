/**
 * Prometheus metrics (prom-client) on `GET /metrics`: HTTP requests by route and status with
 * latency, and what generations do (active streams, time to first token, tokens, outcomes,
 * upstream errors). One registry per app, so tests and replicas never share counters.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ParleyError } from '../../errors.ts';
import type { GenerationLabels, GenerationObserver } from '../../conversations/generation-observer.ts';
import type { RouteAttempt, Usage } from '../../providers/spec.ts';
import type { MessageStatus } from '../../store/store.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

/** The label of every model Parley does not route itself: clients cannot grow the series. */
export const OTHER_MODEL = 'other';

export class Metrics implements GenerationObserver {
  readonly registry = new Registry();
  /** The model names that may be labels (the default model, routes and deployments configured). */
  readonly #knownModels: ReadonlySet<string>;
  readonly #requests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (for streams: until the stream ended)',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #activeStreams = new Gauge({
    name: 'parley_active_streams',
    help: 'Generations streaming right now',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly #firstToken = new Histogram({
    name: 'parley_time_to_first_token_seconds',
    help: 'From the upstream call to the first text of a streamed answer',
    labelNames: ['model', 'provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #tokens = new Counter({
    name: 'parley_tokens_total',
    help: 'Tokens reported by providers, by direction (input or output)',
    labelNames: ['model', 'provider', 'direction'] as const,
    registers: [this.registry],
  });
  readonly #generations = new Counter({
    name: 'parley_generations_total',
    help: 'Generations by final status',
    labelNames: ['model', 'provider', 'status'] as const,
    registers: [this.registry],
  });
  readonly #upstreamErrors = new Counter({
    name: 'parley_upstream_errors_total',
    help: 'Failed generations by provider and error code',
    labelNames: ['provider', 'code'] as const,
    registers: [this.registry],
  });

  readonly #upstreamAttempts = new Counter({
    name: 'parley_upstream_attempts_total',
    help: 'Calls to the deployments of routed models, by route, deployment and outcome (ok, error, skipped)',
    labelNames: ['route', 'deployment', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #upstreamRetries = new Counter({
    name: 'parley_upstream_retries_total',
    help: 'Calls a routed model made after the first of a request (retries and fallbacks), by route',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly #limitRejections = new Counter({
    name: 'parley_limit_rejections_total',
    help: 'Requests refused by a per-key limit, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  constructor(knownModels: Iterable<string> = []) {
    this.#knownModels = new Set(knownModels);
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }

  /** Fastify `onResponse` hook: counts the request under its route pattern, never its raw URL. */
  readonly onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const route = request.routeOptions.url ?? 'unmatched';
    this.#requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    this.#latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  };

  readonly upstreamAttempt = (route: string, attempt: RouteAttempt, index: number): void => {
    this.#upstreamAttempts.inc({ route, deployment: attempt.deployment, outcome: attempt.outcome });
    if (index > 0 && attempt.outcome !== 'skipped') this.#upstreamRetries.inc({ route });
  };

  readonly limitRejected = (limit: string): void => {
    this.#limitRejections.inc({ limit });
  };

  /** A model name as a label: itself when Parley routes it, else `other`. */
  #model(name: string): string {
    return this.#knownModels.has(name) ? name : OTHER_MODEL;
  }

  streamOpened(labels: GenerationLabels): void {
    this.#activeStreams.inc({ model: this.#model(labels.model) });
  }

  streamClosed(labels: GenerationLabels): void {
    this.#activeStreams.dec({ model: this.#model(labels.model) });
  }

  firstToken(labels: GenerationLabels, seconds: number): void {
    this.#firstToken.observe({ model: this.#model(labels.model), provider: labels.provider }, seconds);
  }

  finished(labels: GenerationLabels, status: MessageStatus, usage: Usage | undefined): void {
    const bounded = { model: this.#model(labels.model), provider: labels.provider };
    this.#generations.inc({ ...bounded, status });
    if (usage === undefined) return;
    this.#tokens.inc({ ...bounded, direction: 'input' }, usage.inputTokens);
    this.#tokens.inc({ ...bounded, direction: 'output' }, usage.outputTokens);
  }

  failed(labels: GenerationLabels, code: string): void {
    if (code === 'CANCELLED' || code === 'SHUTTING_DOWN') return;
    this.#upstreamErrors.inc({ provider: labels.provider, code });
  }
}

/**
 * `GET /metrics`. Once the server is closed (users exist) it needs an admin's key, like any admin
 * route; Prometheus sends one with `authorization: {credentials: <key>}`. `PARLEY_METRICS_PORT`
 * serves the same text on a listener of its own instead (see `main.ts`).
 */
export async function metricsRoutes(app: FastifyInstance, options: { metrics: Metrics }): Promise<void> {
  app.get('/metrics', async (request, reply) => {
    if (request.principal.role !== 'admin')
      throw new ParleyError('FORBIDDEN', 'metrics are for admins: send an admin key');
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
}
