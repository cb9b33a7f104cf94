/**
 * The test command (`npm test`): every colocated `src/**\/*.test.ts` and end-to-end
 * `test/**\/*.test.ts`, on Node's own test runner. Suites that need PostgreSQL or Redis run only when
 * PARLEY_TEST_DATABASE_URL / PARLEY_TEST_REDIS_URL are set; this says which ones it left out.
 */

import { spawnSync } from 'node:child_process';

const optionalServices = [
  { variable: 'PARLEY_TEST_DATABASE_URL', suites: 'PostgreSQL store contract' },
  { variable: 'PARLEY_TEST_REDIS_URL', suites: 'Redis shared state' },
] as const;

for (const service of optionalServices) {
  const value = process.env[service.variable];
  if (value === undefined || value === '') {
    process.stdout.write(`note: ${service.variable} is not set: the ${service.suites} suites are left out\n`);
  }
}

const patterns = process.argv.length > 2 ? process.argv.slice(2) : ['src/**/*.test.ts', 'test/**/*.test.ts'];
const result = spawnSync(
  process.execPath,
  ['--test', '--test-timeout=60000', '--test-concurrency=2', ...patterns],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
