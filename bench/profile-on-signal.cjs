/**
 * Preloaded (`node -r`) into a server the bench profiles: the first SIGWINCH starts V8's CPU
 * profiler (through `node:inspector`), the next stops it and writes the profile to
 * BENCH_PROFILE_FILE. So a profile covers the measured load only, after a warm-up: not the start
 * (module loading and compiling) that `--cpu-prof` would include. Nothing else changes.
 */

const inspector = require('node:inspector');
const { renameSync, writeFileSync } = require('node:fs');

/** The profiler's sampling interval, in µs (finer than `--cpu-prof`'s 1 ms default: a request takes a fraction of that). */
const SAMPLING_INTERVAL_US = 100;
let session;

process.on('SIGWINCH', () => {
  const file = process.env.BENCH_PROFILE_FILE;
  if (file === undefined) return;
  if (session === undefined) {
    session = new inspector.Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    session.post('Profiler.start');
    return;
  }
  const running = session;
  session = undefined;
  running.post('Profiler.stop', (error, result) => {
    running.disconnect();
    if (error) {
      // No file: the bench leaves this profile out; the reason is in the server's log.
      process.stderr.write(`the CPU profile could not be taken: ${error}\n`);
      return;
    }
    // Written beside it, then renamed: the bench reads the file as soon as it exists.
    writeFileSync(`${file}.partial`, JSON.stringify(result.profile));
    renameSync(`${file}.partial`, file);
  });
});
