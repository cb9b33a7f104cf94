/**
 * Preloaded (`node --expose-gc -r`) into a server whose memory the bench measures: on SIGUSR2 it
 * runs a full garbage collection and writes `process.memoryUsage()` as JSON to BENCH_MEMORY_FILE,
 * so "live memory" means what survives a GC, not garbage the idle server has not collected yet.
 * Nothing else about the server changes.
 */

const { writeFileSync } = require('node:fs');

process.on('SIGUSR2', () => {
  const file = process.env.BENCH_MEMORY_FILE;
  if (file === undefined) return;
  if (typeof globalThis.gc === 'function') globalThis.gc();
  writeFileSync(file, JSON.stringify({ ...process.memoryUsage(), at: Date.now() }));
});
