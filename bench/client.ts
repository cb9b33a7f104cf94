/**
 * The latency side of the load: hand-written loops on undici, one keep-alive connection, one
 * request at a time, each timed from send to the last byte (or to the first token of a stream).
 * Every loop stops at its count or its deadline, whichever comes first.
 */

import { Client, Pool } from 'undici';
import { tokenText } from './wire.ts';

export interface Target {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface LoopOptions {
  readonly warmup: number;
  readonly count: number;
  /** Stop measuring at this time (ms since the epoch), whatever the count reached. */
  readonly deadline: number;
}

export interface LatencyRun {
  readonly samples: number[];
  readonly errors: number;
  /** The last non-2xx answer, for the report's notes. */
  readonly lastError?: string;
}

const FIRST_TOKEN = tokenText(0).trim();

/** Sequential requests; each sample is send → whole body read, in ms. `body` may change per request. */
export async function sequentialLatency(
  target: Target,
  body: (index: number) => string,
  options: LoopOptions,
  expect?: (text: string) => boolean,
): Promise<LatencyRun> {
  const client = new Client(target.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const samples: number[] = [];
  let errors = 0;
  let lastError: string | undefined;
  try {
    for (let index = 0; index < options.warmup + options.count && Date.now() < options.deadline; index++) {
      const payload = body(index);
      const start = performance.now();
      const response = await client.request({
        path: target.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: payload,
      });
      const text = await response.body.text();
      const elapsed = performance.now() - start;
      const ok = response.statusCode === 200 && (expect === undefined || expect(text));
      if (!ok) {
        errors++;
        lastError = `${response.statusCode} ${text.slice(0, 300)}`;
      } else if (index >= options.warmup) samples.push(elapsed);
    }
  } finally {
    await client.close();
  }
  return { samples, errors, ...(lastError === undefined ? {} : { lastError }) };
}

/** Sequential GETs of one path (reading a whole conversation). */
export async function sequentialGet(
  target: Target,
  options: LoopOptions,
): Promise<LatencyRun & { bytes: number }> {
  const client = new Client(target.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const samples: number[] = [];
  let errors = 0;
  let bytes = 0;
  let lastError: string | undefined;
  try {
    for (let index = 0; index < options.warmup + options.count && Date.now() < options.deadline; index++) {
      const start = performance.now();
      const response = await client.request({
        path: target.path,
        method: 'GET',
        headers: { ...target.headers },
      });
      const text = await response.body.text();
      const elapsed = performance.now() - start;
      bytes = text.length;
      if (response.statusCode !== 200) {
        errors++;
        lastError = `${response.statusCode} ${text.slice(0, 300)}`;
      } else if (index >= options.warmup) samples.push(elapsed);
    }
  } finally {
    await client.close();
  }
  return { samples, errors, bytes, ...(lastError === undefined ? {} : { lastError }) };
}

export interface StreamRun extends LatencyRun {
  /** Time to the end of each stream, in ms. */
  readonly totals: number[];
}

/** Sequential streams; each sample is send → the first token's bytes arrived. Reads every stream to its end. */
export async function sequentialTimeToFirstToken(
  target: Target,
  body: string,
  options: LoopOptions,
): Promise<StreamRun> {
  const client = new Client(target.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const samples: number[] = [];
  const totals: number[] = [];
  let errors = 0;
  let lastError: string | undefined;
  try {
    for (let index = 0; index < options.warmup + options.count && Date.now() < options.deadline; index++) {
      const start = performance.now();
      const response = await client.request({
        path: target.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
      });
      let firstToken = Number.NaN;
      let text = '';
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString();
        if (Number.isNaN(firstToken) && text.includes(FIRST_TOKEN)) firstToken = performance.now() - start;
      }
      const total = performance.now() - start;
      const ok = response.statusCode === 200 && !Number.isNaN(firstToken) && text.includes('[DONE]');
      if (!ok) {
        errors++;
        lastError = `${response.statusCode} ${text.slice(0, 300)}`;
      } else if (index >= options.warmup) {
        samples.push(firstToken);
        totals.push(total);
      }
    }
  } finally {
    await client.close();
  }
  return { samples, totals, errors, ...(lastError === undefined ? {} : { lastError }) };
}

export interface ChunkTiming {
  /** For each token index, when it arrived (ms after the first token); NaN if it never did. */
  readonly arrivals: number[];
  /** How many separate reads the client needed: at least one per chunk means nothing was batched. */
  readonly reads: number;
  /** `data:` frames that carried a token. */
  readonly tokenFrames: number;
}

/** One stream, with the arrival time of every token: shows whether chunks are forwarded one by one. */
export async function chunkTiming(
  target: Target,
  body: string,
  chunks: number,
  timeoutMs: number,
): Promise<ChunkTiming> {
  const client = new Client(target.origin, { pipelining: 1 });
  const arrivals: number[] = Array.from({ length: chunks }, () => Number.NaN);
  let reads = 0;
  let text = '';
  let first = Number.NaN;
  try {
    const response = await client.request({
      path: target.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    let next = 0;
    for await (const chunk of response.body) {
      reads++;
      text += (chunk as Buffer).toString();
      const now = performance.now();
      while (next < chunks && text.includes(tokenText(next).trim())) {
        if (Number.isNaN(first)) first = now;
        arrivals[next] = now - first;
        next++;
      }
    }
  } finally {
    await client.close();
  }
  const tokenFrames = text
    .split('\n')
    .filter((line) => line.startsWith('data:') && /tok\d+/.test(line)).length;
  return { arrivals, reads, tokenFrames };
}

export interface OpenStreams {
  /** Streams whose first token arrived. */
  readonly withFirstToken: number;
  /** Streams that failed to open (error or non-200). */
  readonly failed: number;
  /** How long opening them all took, in ms. */
  readonly openingMs: number;
  /** Aborts every stream and waits until the client has let go of them. */
  close(): Promise<void>;
}

/**
 * Opens `count` concurrent streams, `batch` at a time (so no listen backlog overflows), and keeps
 * them open, reading and dropping what arrives. Resolves once every stream has its first token,
 * failed, or the deadline passed.
 */
export async function openStreams(
  target: Target,
  body: string,
  count: number,
  batch: number,
  deadline: number,
): Promise<OpenStreams> {
  const pool = new Pool(target.origin, {
    connections: count,
    pipelining: 1,
    bodyTimeout: 0,
    headersTimeout: 0,
  });
  const controller = new AbortController();
  let withFirstToken = 0;
  let failed = 0;
  const started = performance.now();
  const running: Promise<void>[] = [];
  const open = async (): Promise<void> => {
    try {
      const response = await pool.request({
        path: target.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
        signal: controller.signal,
      });
      if (response.statusCode !== 200) {
        failed++;
        await response.body.text().catch(() => '');
        return;
      }
      let seen = false;
      for await (const chunk of response.body) {
        if (!seen && (chunk as Buffer).toString().includes(FIRST_TOKEN)) {
          seen = true;
          withFirstToken++;
        }
      }
    } catch {
      if (!controller.signal.aborted) failed++;
    }
  };
  for (let opened = 0; opened < count && Date.now() < deadline; opened += batch) {
    for (let index = opened; index < Math.min(count, opened + batch); index++) running.push(open());
    // Wait for this batch's first tokens; a server that queues streams instead of opening them
    // stops making progress, and then the next batch goes anyway after a short while.
    const wanted = Math.min(count, opened + batch);
    let lastProgress = Date.now();
    let seen = withFirstToken + failed;
    while (withFirstToken + failed < wanted && Date.now() < deadline && Date.now() - lastProgress < 1_500) {
      await sleepUntil(Date.now() + 50);
      if (withFirstToken + failed > seen) {
        seen = withFirstToken + failed;
        lastProgress = Date.now();
      }
    }
  }
  const openingMs = performance.now() - started;
  return {
    get withFirstToken() {
      return withFirstToken;
    },
    get failed() {
      return failed;
    },
    openingMs,
    async close() {
      controller.abort();
      await Promise.race([Promise.allSettled(running), sleepUntil(Date.now() + 10_000)]);
      await pool.destroy().catch(() => {});
    },
  };
}

function sleepUntil(time: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())).unref());
}
