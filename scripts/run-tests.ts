/**
 * The test command (`npm test`): every colocated `src/**\/*.test.ts` and end-to-end
 * `test/**\/*.test.ts`, on Node's own test runner. Suites that need PostgreSQL or Redis run only when
 * PARLEY_TEST_DATABASE_URL / PARLEY_TEST_REDIS_URL are set, and browser suites only where chromium is
 * installed; this says which ones it left out.
 */

import { spawnSync } from 'node:child_process';
import { glob, readFile } from 'node:fs/promises';
import { CHROMIUM_PATH, chromiumMissing } from '../test/support/chromium.ts';

const patterns = process.argv.length > 2 ? process.argv.slice(2) : ['src/**/*.test.ts', 'test/**/*.test.ts'];

/** Suites that need a service name its variable; with the variable unset they skip themselves. */
const optionalServices = ['PARLEY_TEST_DATABASE_URL', 'PARLEY_TEST_REDIS_URL'] as const;
const testFiles: string[] = [];
for await (const file of glob(patterns)) testFiles.push(file);

/** Prints which test files are left out (wholly or in part) because they mention `marker`. */
async function noteLeftOut(marker: string, reason: string): Promise<void> {
  const needing: string[] = [];
  for (const file of testFiles) if ((await readFile(file, 'utf8')).includes(marker)) needing.push(file);
  if (needing.length > 0) process.stdout.write(`note: ${reason}: ${needing.join(', ')}\n`);
}

for (const variable of optionalServices) {
  const value = process.env[variable];
  if (value === undefined || value === '')
    await noteLeftOut(variable, `${variable} is not set, so these suites are left out`);
}
// Browser suites start chromium through `launchChromium`; without chromium they skip themselves.
if (chromiumMissing !== false) {
  await noteLeftOut(
    'launchChromium(',
    `no chromium at ${CHROMIUM_PATH}, so the browser suites in these files are left out`,
  );
}

const result = spawnSync(
  process.execPath,
  ['--test', '--test-timeout=60000', '--test-concurrency=2', ...patterns],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
