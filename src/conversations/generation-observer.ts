/**
 * What a generation reports as it runs, for metrics. The core calls it; the HTTP layer implements
 * it with Prometheus counters (`http/ops/metrics.ts`). Every method must be cheap and never throw.
 */

import type { Usage } from '../providers/spec.ts';
import type { MessageStatus } from '../store/store.ts';

export interface GenerationLabels {
  readonly model: string;
  readonly provider: string;
}

export interface GenerationObserver {
  streamOpened(labels: GenerationLabels): void;
  streamClosed(labels: GenerationLabels): void;
  firstToken(labels: GenerationLabels, seconds: number): void;
  finished(labels: GenerationLabels, status: MessageStatus, usage: Usage | undefined): void;
  /** `code` is the Parley error code, e.g. `UPSTREAM_RATE_LIMITED`. */
  failed(labels: GenerationLabels, code: string): void;
}
