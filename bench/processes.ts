/**
 * The processes of a benchmark run: each started pinned to one core (`taskset`), its output sent to
 * a log file, ready when it prints `listening <port>` or when a URL answers, and read from `/proc`
 * for its memory (RSS) and CPU time. Every wait is bounded.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Linux's clock tick for `/proc/<pid>/stat` times (USER_HZ, 100 on every common kernel). */
const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || '100');

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

export interface BenchProcess {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resident memory now, in MB (NaN once the process is gone). */
  rssMb(): number;
  /** User + system CPU time so far, in ms. */
  cpuTimeMs(): number;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** The core to pin to; undefined leaves the process on the cores it inherits. */
  readonly cpu?: number;
  readonly logFile: string;
  /** `line`: the process prints `listening <port>`; `http`: poll this path on `port` until it answers. */
  readonly ready:
    | { readonly kind: 'line' }
    | { readonly kind: 'http'; readonly port: number; readonly path: string };
  readonly timeoutMs?: number;
}

/** A port free on 127.0.0.1 right now (for servers that must be told their port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts `node <args>` (pinned when `cpu` is set) and waits until it serves. */
export async function startNode(options: StartOptions): Promise<BenchProcess> {
  const command = options.cpu !== undefined && hasTaskset ? 'taskset' : process.execPath;
  const args =
    command === 'taskset'
      ? ['-c', String(options.cpu), process.execPath, ...options.args]
      : [...options.args];
  const log = openSync(options.logFile, 'a');
  const lineReady = options.ready.kind === 'line';
  const child = spawn(command, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', lineReady ? 'pipe' : log, log],
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start`);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let port: number;
  if (options.ready.kind === 'line') {
    port = await readListeningPort(child, options.name, deadline);
  } else {
    port = options.ready.port;
    await waitForHttp(`http://127.0.0.1:${port}${options.ready.path}`, child, options.name, deadline);
  }
  return {
    name: options.name,
    port,
    pid,
    child,
    rssMb: () => rssMbOf(pid),
    cpuTimeMs: () => cpuTimeMsOf(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function readListeningPort(child: ChildProcess, name: string, deadline: number): Promise<number> {
  let output = '';
  const stdout = child.stdout;
  if (stdout === null) throw new Error(`${name}: no stdout`);
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not say where it listens in time:\n${output}`));
      },
      Math.max(0, deadline - Date.now()),
    );
    stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, name: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} (see its log)`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not answer ${url} in time (see its log)`);
}

export function rssMbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

export function cpuTimeMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The machine, for the report. */
export function machineDescription(): { cpuModel: string; cores: number; memoryGb: number; kernel: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const memory = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return { cpuModel: model, cores, memoryGb: Number(memory ?? 0) / 1024 / 1024, kernel };
}

/** Busy and total jiffies of each core, from `/proc/stat`. */
export type CoreTimes = readonly { readonly busy: number; readonly total: number }[];

export function coreTimes(): CoreTimes {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  return lines
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const fields = line.trim().split(/\s+/).slice(1).map(Number);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      const total = fields.reduce((sum, value) => sum + value, 0);
      return { busy: total - idle, total };
    });
}

/** How busy each core was between two readings, in % (whoever used it: ours or anyone's). */
export function coreBusyPercent(before: CoreTimes, after: CoreTimes): number[] {
  return after.map((core, index) => {
    const start = before[index];
    if (start === undefined || core.total === start.total) return Number.NaN;
    return ((core.busy - start.busy) / (core.total - start.total)) * 100;
  });
}

export interface LiveMemory {
  /** RSS right after a full GC, MB. */
  readonly rssMb: number;
  /** Heap that survived a full GC, MB. */
  readonly heapUsedMb: number;
  /** Memory outside the JS heap (Buffers, native objects), MB. */
  readonly externalMb: number;
}

/**
 * Asks a server started with the memory probe to collect garbage and report (SIGUSR2 → `file`);
 * NaN everywhere when it does not answer within 5 s.
 */
export async function probeLiveMemory(server: BenchProcess, file: string): Promise<LiveMemory> {
  const asked = Date.now();
  server.child.kill('SIGUSR2');
  while (Date.now() - asked < 5_000) {
    await sleep(50);
    if (!existsSync(file)) continue;
    try {
      const report = JSON.parse(readFileSync(file, 'utf8')) as {
        rss: number;
        heapUsed: number;
        external: number;
        at: number;
      };
      if (report.at < asked) continue;
      const mb = (bytes: number) => bytes / 1024 / 1024;
      return { rssMb: mb(report.rss), heapUsedMb: mb(report.heapUsed), externalMb: mb(report.external) };
    } catch {
      // Half written: read again.
    }
  }
  return { rssMb: Number.NaN, heapUsedMb: Number.NaN, externalMb: Number.NaN };
}
