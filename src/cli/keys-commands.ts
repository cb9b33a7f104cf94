/**
 * `parley keys create|list|revoke`: API keys straight on the database (see database.ts). The
 * JSON is the native API's key object (`/api/keys`), limits in snake_case. A key acts as its user:
 * `--user` adds one to an existing user; without it the key gets a user of its own (`--role`, the
 * first one on a database without users an admin).
 */

import { type Command, InvalidArgumentError, Option } from 'commander';
import type { KeyService } from '../access/keys.ts';
import type { UserService } from '../access/users.ts';
import type { Config } from '../config/config.ts';
import type { toKeyObject as ToKeyObject } from '../http/native/keys-routes.ts';
import type { Store } from '../store/store.ts';
import { CliError } from './cli-error.ts';
import { withDatabaseOption, withStore } from './database.ts';
import { wantsJson } from './global-options.ts';
import { formatTime, printJson, printTable } from './output.ts';

type KeyObject = ReturnType<typeof ToKeyObject>;

/** The native API's key object (the module loads only for the keys commands). */
async function keyObjects(
  keys: readonly Parameters<typeof ToKeyObject>[0][],
  users: UserService,
): Promise<KeyObject[]> {
  const { toKeyObject } = await import('../http/native/keys-routes.ts');
  const byId = new Map((await users.list()).map((user) => [user.id, user]));
  return keys.map((key) => toKeyObject(key, byId.get(key.userId)));
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

async function openKeys(store: Store, config: Config): Promise<{ keys: KeyService; users: UserService }> {
  const { KeyService } = await import('../access/keys.ts');
  const { UserService } = await import('../access/users.ts');
  const users = new UserService(store.access);
  const keys = await KeyService.open(
    store,
    users,
    config.keyHashSecret === undefined ? {} : { hashSecret: config.keyHashSecret },
  );
  return { keys, users };
}

interface CreateOptions {
  readonly name: string;
  readonly user?: string;
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
    .option('--user <name>', 'the user the key acts as (default: a new user named after the key)')
    .addOption(
      new Option('--role <role>', 'the role of the new user (default: user; admin for the first)').choices([
        'user',
        'admin',
      ]),
    )
    .option('--models <list>', 'comma-separated models the key may use (default: all)')
    .option('--expires-at <seconds>', 'when the key stops working, in Unix seconds', positiveInteger)
    .option('--rpm <n>', 'requests per minute', positiveInteger)
    .option('--tpm <n>', 'tokens per minute', positiveInteger)
    .option('--tpd <n>', 'tokens per day', positiveInteger)
    .option('--budget <dollars>', 'spend per day, in dollars', positiveAmount)
    .option('--streams <n>', 'answers streaming at once', positiveInteger)
    .action(async (options: CreateOptions, command: Command) => {
      await withStore(command, async (store, config) => {
        const { keys: service, users } = await openKeys(store, config);
        if (options.user !== undefined && options.role !== undefined)
          throw new CliError('--role is the role of a new user: leave it out with --user');
        const owner = options.user === undefined ? undefined : await users.findByName(options.user);
        if (options.user !== undefined && owner === undefined)
          throw new CliError(`no user named ${options.user}`);
        const input = {
          name: options.name,
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
        };
        const role = options.role ?? ((await users.hasUsers()) ? 'user' : 'admin');
        const { key, secret } =
          owner === undefined
            ? await service.createWithUser({ ...input, role })
            : await service.create(owner.id, input);
        const [shown] = await keyObjects([key], users);
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
        const { keys: service, users } = await openKeys(store, config);
        const all = await keyObjects(await service.list(), users);
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
        if (!(await (await openKeys(store, config)).keys.revoke(id)))
          throw new CliError(`no live key with id ${id}`);
        if (wantsJson(command)) printJson({ id, object: 'api_key', revoked: true });
        else process.stdout.write(`revoked ${id}\n`);
      });
    });
}
