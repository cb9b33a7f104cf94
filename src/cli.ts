/**
 * `parley keys create|list|revoke`: key administration straight on the database the server uses
 * (same environment: DATABASE_URL, PARLEY_KEY_SECRET), so it works before any key exists and
 * without the server running. Wiring only, like main.ts.
 */

import { parseArgs } from 'node:util';
import { KeyService } from './access/keys.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { openStore } from './store/open-store.ts';
import type { ApiKeyRecord, KeyLimits } from './store/store.ts';

const USAGE = `usage:
  parley keys create --name <name> [--role user|admin] [--models m1,m2] [--expires-at <unix seconds>]
                     [--rpm N] [--tpm N] [--tpd N] [--budget <dollars per day>] [--streams N]
  parley keys list
  parley keys revoke <id>`;

class UsageError extends Error {}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new UsageError(`${flag} must be a positive integer`);
  return Number(value);
}

function positiveAmount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const amount = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || amount <= 0) throw new UsageError(`${flag} must be a positive amount`);
  return amount;
}

function describeKey(key: ApiKeyRecord): string {
  const state =
    key.revokedAt !== null
      ? 'revoked'
      : key.expiresAt !== null && key.expiresAt <= Date.now()
        ? 'expired'
        : 'active';
  const limits = Object.entries(key.limits)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return [key.id, key.name, key.role, `${key.hint}…`, state, key.models?.join(',') ?? '*', limits].join('\t');
}

async function main(argv: readonly string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== 'keys' || command === undefined) throw new UsageError(USAGE);
  const config = loadConfig(process.env);
  const store = await openStore(config.database);
  try {
    const keys = await KeyService.open(store, {
      ...(config.keyHashSecret === undefined ? {} : { hashSecret: config.keyHashSecret }),
    });
    if (command === 'list') {
      for (const key of await keys.list()) process.stdout.write(`${describeKey(key)}\n`);
      return 0;
    }
    if (command === 'revoke') {
      const id = rest[0];
      if (id === undefined) throw new UsageError(USAGE);
      if (!(await keys.revoke(id))) {
        process.stderr.write(`parley: no live key with id ${id}\n`);
        return 1;
      }
      process.stdout.write(`revoked ${id}\n`);
      return 0;
    }
    if (command !== 'create') throw new UsageError(USAGE);
    const { values } = parseArgs({
      args: [...rest],
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        models: { type: 'string' },
        'expires-at': { type: 'string' },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        tpd: { type: 'string' },
        streams: { type: 'string' },
        budget: { type: 'string' },
      },
      strict: true,
    });
    if (values.name === undefined) throw new UsageError('--name is required');
    if (values.role !== undefined && values.role !== 'user' && values.role !== 'admin') {
      throw new UsageError('--role is user or admin');
    }
    const expiresAt = positiveInteger(values['expires-at'], '--expires-at');
    const limits: KeyLimits = Object.fromEntries(
      Object.entries({
        requestsPerMinute: positiveInteger(values.rpm, '--rpm'),
        tokensPerMinute: positiveInteger(values.tpm, '--tpm'),
        tokensPerDay: positiveInteger(values.tpd, '--tpd'),
        concurrentStreams: positiveInteger(values.streams, '--streams'),
        budgetPerDay: positiveAmount(values.budget, '--budget'),
      }).filter(([, value]) => value !== undefined),
    );
    const { key, secret } = await keys.create({
      name: values.name,
      ...(values.role === undefined ? {} : { role: values.role }),
      ...(values.models === undefined
        ? {}
        : { models: values.models.split(',').filter((model) => model !== '') }),
      ...(expiresAt === undefined ? {} : { expiresAt: expiresAt * 1000 }),
      limits,
    });
    process.stdout.write(`${describeKey(key)}\n`);
    process.stdout.write(`key (shown once, keep it now): ${secret}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`parley: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
