/**
 * `parley users create|list|disable|enable|role|password`: users straight on the database (see
 * database.ts), through the same access services as the server, so the rules are the same (names,
 * password length, a disabled user's keys and sessions stop at once). Every change is in the audit
 * log, from `cli`. The JSON is the native API's user object (`/api/users`). Passwords are read
 * from stdin (`--password-stdin`), never from the command line, where other users could see them.
 */

import { text } from 'node:stream/consumers';
import { Argument, type Command, Option } from 'commander';
import type { AccessServices } from '../access/access-services.ts';
import type { Config } from '../config/config.ts';
import type { UserRecord } from '../store/access-store.ts';
import type { Store } from '../store/store.ts';
import { CliError, UsageError } from './cli-error.ts';
import { withDatabaseOption, withStore } from './database.ts';
import { wantsJson } from './global-options.ts';
import { formatTime, printJson, printTable } from './output.ts';

const ROLES = ['admin', 'user'] as const;
type Role = (typeof ROLES)[number];

async function openAccessFor(store: Store, config: Config): Promise<AccessServices> {
  const { openAccess } = await import('../access/access-services.ts');
  return openAccess(store, config.keyHashSecret === undefined ? {} : { keyHashSecret: config.keyHashSecret });
}

/** The user named `nameOrId`, or with that id. */
async function findUser(access: AccessServices, nameOrId: string): Promise<UserRecord> {
  const user = (await access.users.findByName(nameOrId)) ?? (await access.users.get(nameOrId));
  if (user === undefined) throw new CliError(`no user named ${nameOrId} (nor with that id)`);
  return user;
}

/** The password piped to stdin (its first line), hashed after the server's own checks. */
async function passwordFromStdin(): Promise<string> {
  if (process.stdin.isTTY === true)
    throw new UsageError('--password-stdin reads a pipe: echo "$PASSWORD" | parley …');
  const password = (await text(process.stdin)).split(/\r?\n/, 1)[0] ?? '';
  const { checkPassword, hashPassword } = await import('../access/passwords.ts');
  checkPassword(password);
  return hashPassword(password);
}

/** Users as a table, or as the native API's user objects (one object, or a list). */
async function printUsers(users: readonly UserRecord[], json: 'one' | 'list' | false): Promise<void> {
  const { toUserObject } = await import('../http/native/user-object.ts');
  const shown = users.map(toUserObject);
  if (json === 'one') return printJson(shown[0]);
  if (json === 'list') return printJson({ object: 'list', data: shown });
  printTable(
    ['id', 'name', 'role', 'email', 'password', 'state', 'created'],
    shown.map((user) => [
      user.id,
      user.name,
      user.role,
      user.email,
      user.has_password ? 'set' : user.single_sign_on ? 'sso' : '-',
      user.disabled ? 'disabled' : 'active',
      formatTime(user.created_at),
    ]),
  );
}

/** Runs a change to one user and records it in the audit log as done from the CLI. */
async function changeUser(
  command: Command,
  nameOrId: string,
  change: (
    access: AccessServices,
    user: UserRecord,
  ) => Promise<{ user: UserRecord; details: Record<string, unknown> }>,
): Promise<void> {
  await withStore(command, async (store, config) => {
    const access = await openAccessFor(store, config);
    const { user, details } = await change(access, await findUser(access, nameOrId));
    await access.audit.record(
      null,
      'user.update',
      { type: 'user', id: user.id },
      { ...details, from: 'cli' },
    );
    await printUsers([user], wantsJson(command) ? 'one' : false);
  });
}

const userArgument = '<user>';
const userArgumentHelp = 'the user, by name or id';

export function registerUsersCommands(program: Command): void {
  const users = withDatabaseOption(
    program
      .command('users')
      .description('create, list and change users (on the database, server running or not)'),
  );

  users
    .command('create')
    .description('create a user (the first one is an admin)')
    .requiredOption('--name <name>', 'what they sign in with: letters, digits and . _ @ + -')
    .addOption(
      new Option('--role <role>', 'admin or user (default: admin for the first user, else user)').choices(
        ROLES,
      ),
    )
    .option('--email <email>', 'their email address')
    .option('--password-stdin', 'read their password from stdin (without it they sign in with keys only)')
    .action(
      async (
        options: { name: string; role?: Role; email?: string; passwordStdin?: boolean },
        command: Command,
      ) => {
        const passwordHash = options.passwordStdin === true ? await passwordFromStdin() : undefined;
        await withStore(command, async (store, config) => {
          const access = await openAccessFor(store, config);
          const role = options.role ?? ((await access.users.hasUsers()) ? 'user' : 'admin');
          const user = await access.users.create({
            name: options.name,
            role,
            ...(passwordHash === undefined ? {} : { passwordHash }),
            ...(options.email === undefined ? {} : { email: options.email }),
          });
          await access.audit.record(
            null,
            'user.create',
            { type: 'user', id: user.id },
            { name: user.name, role, email: user.email, password: passwordHash !== undefined, from: 'cli' },
          );
          await printUsers([user], wantsJson(command) ? 'one' : false);
        });
      },
    );

  users
    .command('list')
    .description('list every user')
    .action(async (_options: unknown, command: Command) => {
      await withStore(command, async (store, config) => {
        const access = await openAccessFor(store, config);
        await printUsers(await access.users.list(), wantsJson(command) ? 'list' : false);
      });
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(name)
      .description(
        disabled ? 'disable a user: their keys and sessions stop at once' : 'enable a disabled user again',
      )
      .argument(userArgument, userArgumentHelp)
      .action(async (nameOrId: string, _options: unknown, command: Command) => {
        await changeUser(command, nameOrId, async (access, user) => ({
          user: await access.users.setDisabled(user.id, disabled),
          details: { disabled },
        }));
      });
  }

  users
    .command('role')
    .description("change a user's role")
    .argument(userArgument, userArgumentHelp)
    .addArgument(new Argument('<role>', 'admin or user').choices(ROLES))
    .action(async (nameOrId: string, role: Role, _options: unknown, command: Command) => {
      await changeUser(command, nameOrId, async (access, user) => ({
        user: await access.users.update(user.id, { role }),
        details: { role },
      }));
    });

  users
    .command('password')
    .description("set a user's password from stdin (their sessions end)")
    .argument(userArgument, userArgumentHelp)
    .requiredOption('--password-stdin', 'read the password from stdin')
    .action(async (nameOrId: string, _options: unknown, command: Command) => {
      const passwordHash = await passwordFromStdin();
      await changeUser(command, nameOrId, async (access, user) => {
        const updated = await access.users.update(user.id, { passwordHash });
        await access.sessions.endAll(user.id);
        return { user: updated, details: { password_reset: true } };
      });
    });
}
