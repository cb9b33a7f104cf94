/**
 * `parley keys create|list|revoke`: API keys straight on the database (see database.ts). The
 * JSON is the native API's key object (`/api/keys`), limits in snake_case.
 */

import { type Command, InvalidArgumentError, Option } from 'commander';
import type { KeyService } from '../access/keys.ts';
import type { toKeyObject as ToKeyObject } from '../http/native/keys-routes.ts';
import type { Store } from '../store/store.ts';
import type { Config } from '../config/config.ts';
import { CliError } from './cli-error.ts';
import { withDatabaseOption, withStore } from './database.ts';
import { wantsJson } from './global-options.ts';
import { formatTime, printJson, printTable } from './output.ts';

type KeyObject = ReturnType<typeof ToKeyObject>;

/** The native API's key object (the module loads only for the keys commands). */
async function keyObjects(keys: readonly Parameters<typeof ToKeyObject>[0][]): Promise<KeyObject[]> {
  const { toKeyObject } = await import('../http/native/keys-routes.ts');
  return keys.map(toKeyObject);
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

function positiveAmount(value: string): number {
  const amount = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || amount <= 0)
    throw new InvalidArgumentError('must be a positive amount');
  return amount;
}

function stateOf(key: KeyObject): string {
  if (key.revoked_at !== null) return 'revoked';
  if (key.expires_at !== null && key.expires_at * 1000 <= Date.now()) return 'expired';
  return 'active';
}

function printKeys(keys: readonly KeyObject[]): void {
  printTable(
    ['id', 'name', 'role', 'key', 'state', 'models', 'limits', 'expires', 'created'],
    keys.map((key) => [
      key.id,
      key.name,
      key.role,
      `${key.hint}…`,
      stateOf(key),
      key.models?.join(',') ?? '*',
      Object.entries(key.limits)
        .filter(([, value]) => value !== null)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ') || '-',
      formatTime(key.expires_at),
      formatTime(key.created_at),
    ]),
  );
}

async function openKeys(store: Store, config: Config): Promise<KeyService> {
  const { KeyService } = await import('../access/keys.ts');
  return KeyService.open(
    store,
    config.keyHashSecret === undefined ? {} : { hashSecret: config.keyHashSecret },
  );
}

interface CreateOptions {
  readonly name: string;
  readonly role?: 'user' | 'admin';
  readonly models?: string;
  readonly expiresAt?: number;
  readonly rpm?: number;
  readonly tpm?: number;
  readonly tpd?: number;
  readonly budget?: number;
  readonly streams?: number;
}

export function registerKeysCommands(program: Command): void {
  const keys = withDatabaseOption(
    program
      .command('keys')
      .description('create, list and revoke API keys (on the database, server running or not)'),
  );

  keys
    .command('create')
    .description('create a key; its secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(new Option('--role <role>', 'what the key may do').choices(['user', 'admin']).default('user'))
    .option('--models <list>', 'comma-separated models the key may use (default: all)')
    .option('--expires-at <seconds>', 'when the key stops working, in Unix seconds', positiveInteger)
    .option('--rpm <n>', 'requests per minute', positiveInteger)
    .option('--tpm <n>', 'tokens per minute', positiveInteger)
    .option('--tpd <n>', 'tokens per day', positiveInteger)
    .option('--budget <dollars>', 'spend per day, in dollars', positiveAmount)
    .option('--streams <n>', 'answers streaming at once', positiveInteger)
    .action(async (options: CreateOptions, command: Command) => {
      await withStore(command, async (store, config) => {
        const service = await openKeys(store, config);
        const { key, secret } = await service.create({
          name: options.name,
          ...(options.role === undefined ? {} : { role: options.role }),
          ...(options.models === undefined
            ? {}
            : { models: options.models.split(',').filter((model) => model !== '') }),
          ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt * 1000 }),
          limits: Object.fromEntries(
            Object.entries({
              requestsPerMinute: options.rpm,
              tokensPerMinute: options.tpm,
              tokensPerDay: options.tpd,
              concurrentStreams: options.streams,
              budgetPerDay: options.budget,
            }).filter(([, value]) => value !== undefined),
          ),
        });
        const [shown] = await keyObjects([key]);
        if (wantsJson(command)) return printJson({ ...shown, key: secret });
        printKeys(shown === undefined ? [] : [shown]);
        process.stdout.write(`\nkey (shown once, keep it now): ${secret}\n`);
      });
    });

  keys
    .command('list')
    .description('list every key (secrets are never shown)')
    .action(async (_options: unknown, command: Command) => {
      await withStore(command, async (store, config) => {
        const all = await keyObjects(await (await openKeys(store, config)).list());
        if (wantsJson(command)) printJson({ object: 'list', data: all });
        else printKeys(all);
      });
    });

  keys
    .command('revoke')
    .description('revoke a key: requests with it fail at once')
    .argument('<id>', 'the key id (from keys list)')
    .action(async (id: string, _options: unknown, command: Command) => {
      await withStore(command, async (store, config) => {
        if (!(await (await openKeys(store, config)).revoke(id)))
          throw new CliError(`no live key with id ${id}`);
        if (wantsJson(command)) printJson({ id, object: 'api_key', revoked: true });
        else process.stdout.write(`revoked ${id}\n`);
      });
    });
}
