/**
 * The throughput side of the load: autocannon (npm), run as its own process pinned beside the
 * upstream, against one arm at a fixed concurrency for a fixed time. Its JSON result is reduced to
 * the figures the report needs.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { hasTaskset } from './processes.ts';

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export interface ThroughputRun {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

export interface ThroughputOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly cpu: number;
}

export async function runAutocannon(options: ThroughputOptions): Promise<ThroughputRun> {
  const args = [
    autocannonBin,
    '--json',
    '--no-progress',
    '-c',
    String(options.connections),
    '-d',
    String(options.durationSeconds),
    '-t',
    '20',
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    ...Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
    '-b',
    options.body,
    options.url,
  ];
  const command = hasTaskset ? 'taskset' : process.execPath;
  const child = spawn(command, hasTaskset ? ['-c', String(options.cpu), process.execPath, ...args] : args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), (options.durationSeconds + 30) * 1000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  const start = stdout.indexOf('{');
  if (code !== 0 || start < 0) throw new Error(`autocannon failed (${code}): ${stderr.slice(0, 500)}`);
  const result = JSON.parse(stdout.slice(start)) as AutocannonJson;
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
