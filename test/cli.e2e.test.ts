/**
 * The `parley` command itself (help, version, exit codes) and its database commands: `keys`
 * against the database a running server uses (a key made by the CLI works at once, one revoked by
 * it stops at once), `db migrate` and `db backup` (an online copy while the server writes).
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { runParley, startParley } from './support/run-cli.ts';
import { startServer } from './support/server-process.ts';

const root = resolve(import.meta.dirname, '..');
/** Tests that run the command many times: each run starts Node, slow on a loaded machine. */
const SLOW = { timeout: 180_000 };

describe('the parley command', () => {
  let upstream: FakeOpenAIUpstream;
  let dataDir: string;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-cli-'));
  });
  after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('--version, --help and usage errors: exit 0, 0 and 2', SLOW, async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    const shown = await runParley(['--version']);
    assert.deepEqual([shown.status, shown.stdout], [0, `${version}\n`]);

    const help = await runParley(['--help']);
    assert.equal(help.status, 0);
    for (const command of ['serve', 'chat', 'ask', 'import', 'export', 'keys', 'models', 'db', 'config']) {
      assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'), `${command} is in the help`);
    }
    const keysHelp = await runParley(['keys', 'create', '--help']);
    assert.equal(keysHelp.status, 0);
    assert.match(keysHelp.stdout, /--rpm <n>\s+requests per minute/);

    const unknownCommand = await runParley(['frobnicate']);
    assert.equal(unknownCommand.status, 2);
    assert.match(unknownCommand.stderr, /^parley: unknown command 'frobnicate'\n/);
    assert.match(unknownCommand.stderr, /Usage: parley \[options\] \[command\]/);

    const badValue = await runParley(['keys', 'create', '--name', 'x', '--rpm', 'lots']);
    assert.equal(badValue.status, 2);
    assert.match(
      badValue.stderr,
      /^parley: option '--rpm <n>' argument 'lots' is invalid. must be a positive integer\n/,
    );

    const badEnvironment = await runParley(['keys', 'list'], { env: { DATABASE_URL: 'mysql://nope' } });
    assert.equal(badEnvironment.status, 2);
    assert.match(badEnvironment.stderr, /^parley: invalid configuration: .*DATABASE_URL/);
    assert.equal(badEnvironment.stderr.split('\n').length, 3, 'the error on one line, then the usage hint');
  });

  test(
    'serve runs the server with its flags for PORT, HOST and DATABASE_URL; SIGTERM stops it cleanly',
    SLOW,
    async () => {
      const path = join(dataDir, 'served.sqlite');
      // PORT and HOST say otherwise: the flags win. Its own process group, so that a failing test
      // can stop the command and the server it started together.
      const serving = startParley(
        ['serve', '--port', '0', '--host', '127.0.0.1', '--database', `sqlite:${path}`],
        { env: { PORT: '8', HOST: '0.0.0.0', PARLEY_AUTO_TITLES: 'false' }, ownProcessGroup: true },
      );
      try {
        let baseUrl: string | undefined;
        // Two processes start here (the command, then the server it runs): a loaded machine needs time.
        const deadline = Date.now() + 60_000;
        while (baseUrl === undefined) {
          baseUrl = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(serving.output())?.[1];
          assert.equal(serving.child.exitCode, null, serving.output());
          assert.ok(Date.now() < deadline, `the server did not start:\n${serving.output()}`);
          await new Promise((resolveWait) => setTimeout(resolveWait, 50));
        }
        const health = await fetch(`${baseUrl}/healthz`);
        assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
        assert.ok(existsSync(path), 'the database is where --database says');
        serving.child.kill('SIGTERM');
        const { status } = await serving.result;
        assert.equal(status, 0, serving.output());
        assert.match(serving.output(), /shutting down/);
      } finally {
        if (serving.child.exitCode === null && serving.child.pid !== undefined)
          process.kill(-serving.child.pid, 'SIGKILL');
      }

      const refused = await runParley(['serve', '--port', 'eighty']);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /^parley: option '-p, --port <port>' argument 'eighty' is invalid/);
    },
  );

  test('keys create, list and revoke, seen by a running server at once', SLOW, async () => {
    const env = { DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}` };
    const created = await runParley(
      ['keys', 'create', '--name', 'from-cli', '--rpm', '100', '--models', 'fake-model'],
      {
        env,
      },
    );
    assert.equal(created.status, 0, created.stderr);
    const secret = /key \(shown once, keep it now\): (\S+)/.exec(created.stdout)?.[1] ?? '';
    assert.match(secret, /^sk-parley-/);
    assert.match(created.stdout, /^ID\s+NAME\s+ROLE\s+KEY\s+STATE\s+MODELS\s+LIMITS\s+EXPIRES\s+CREATED\n/);

    const server = await startServer({
      ...env,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    });
    try {
      const ask = (key?: string) =>
        fetch(`${server.baseUrl}/ask`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
          },
          body: JSON.stringify({ msg: 'hi' }),
        });
      assert.equal((await ask(secret)).status, 200);
      assert.equal((await ask()).status, 401, 'a key exists, so every request needs one');

      // The first key made on a database without users gets the first admin as its user.
      const listed = await runParley(['keys', 'list', '--json'], { env });
      assert.equal(listed.status, 0, listed.stderr);
      const [key] = (JSON.parse(listed.stdout) as { data: Record<string, unknown>[] }).data;
      assert.ok(key !== undefined);
      const id = String(key.id);
      assert.deepEqual(
        { name: key.name, role: key.role, models: key.models, revoked_at: key.revoked_at },
        { name: 'from-cli', role: 'admin', models: ['fake-model'], revoked_at: null },
      );
      assert.deepEqual(key.limits, {
        requests_per_minute: 100,
        tokens_per_minute: null,
        tokens_per_day: null,
        budget_per_day: null,
        concurrent_streams: null,
      });
      const table = await runParley(['keys', 'list'], { env });
      assert.match(
        table.stdout,
        new RegExp(
          `^${id}\\s+from-cli\\s+admin\\s+sk-parley-.{4}…\\s+active\\s+fake-model\\s+requests_per_minute=100\\s`,
          'm',
        ),
      );
      assert.ok(
        !table.stdout.includes(secret) && !listed.stdout.includes(secret),
        'the secret is shown once only',
      );

      const revoked = await runParley(['keys', 'revoke', id], { env });
      assert.deepEqual([revoked.status, revoked.stdout], [0, `revoked ${id}\n`]);
      assert.equal((await ask(secret)).status, 401);
      assert.equal(
        (await ask()).status,
        401,
        'a user exists, so revoking every key does not open the server',
      );
      const again = await runParley(['keys', 'revoke', id], { env });
      assert.deepEqual([again.status, again.stderr], [1, `parley: no live key with id ${id}\n`]);
      const nameless = await runParley(['keys', 'create'], { env });
      assert.equal(nameless.status, 2);
      assert.match(nameless.stderr, /required option '--name <name>' not specified/);
    } finally {
      await server.kill();
    }
  });

  /** The database the two users tests share. */
  const peopleEnv = () => ({ DATABASE_URL: `sqlite:${join(dataDir, 'people.sqlite')}` });

  test("users create and list, with the server's rules for names and passwords", SLOW, async () => {
    const env = peopleEnv();
    const alice = await runParley(
      ['users', 'create', '--name', 'alice', '--email', 'alice@example.com', '--password-stdin', '--json'],
      { env, input: 'correct horse battery\n' },
    );
    assert.equal(alice.status, 0, alice.stderr);
    const aliceUser = JSON.parse(alice.stdout) as Record<string, unknown>;
    assert.deepEqual(
      {
        name: aliceUser.name,
        role: aliceUser.role,
        email: aliceUser.email,
        has_password: aliceUser.has_password,
      },
      { name: 'alice', role: 'admin', email: 'alice@example.com', has_password: true },
      'the first user is an admin',
    );
    const bob = await runParley(['users', 'create', '--name', 'bob'], { env });
    assert.equal(bob.status, 0, bob.stderr);
    assert.match(
      bob.stdout,
      /^ID\s+NAME\s+ROLE\s+EMAIL\s+PASSWORD\s+STATE\s+CREATED\n\S+\s+bob\s+user\s+-\s+-\s+active\s/,
    );

    const taken = await runParley(['users', 'create', '--name', 'alice'], { env });
    assert.deepEqual([taken.status, taken.stderr], [1, 'parley: the name alice is taken\n']);
    const badName = await runParley(['users', 'create', '--name', 'no spaces'], { env });
    assert.equal(badName.status, 1);
    assert.match(badName.stderr, /^parley: a user name is 1 to 64 letters/);
    const short = await runParley(['users', 'create', '--name', 'carol', '--password-stdin'], {
      env,
      input: 'short\n',
    });
    assert.deepEqual([short.status, short.stderr], [1, 'parley: a password has at least 10 characters\n']);
    const listed = await runParley(['users', 'list', '--json'], { env });
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { data: { name: string }[] }).data.map(({ name }) => name).sort(),
      ['alice', 'bob'],
      'nothing was made by the refused commands',
    );
  });

  test('users disable, enable, role and password, seen by a running server at once', SLOW, async () => {
    const env = peopleEnv();
    const server = await startServer({
      ...env,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    });
    try {
      const signIn = (password: string) =>
        fetch(`${server.baseUrl}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'alice', password }),
        }).then((response) => response.status);
      assert.equal(await signIn('correct horse battery'), 200);

      const disabled = await runParley(['users', 'disable', 'alice', '--json'], { env });
      assert.equal((JSON.parse(disabled.stdout) as { disabled: boolean }).disabled, true);
      assert.equal(await signIn('correct horse battery'), 401, 'a disabled user cannot sign in');
      assert.equal((await runParley(['users', 'enable', 'alice'], { env })).status, 0);
      assert.equal(await signIn('correct horse battery'), 200);

      const reset = await runParley(['users', 'password', 'alice', '--password-stdin'], {
        env,
        input: 'a new long password\n',
      });
      assert.equal(reset.status, 0, reset.stderr);
      assert.equal(await signIn('correct horse battery'), 401);
      assert.equal(await signIn('a new long password'), 200);

      const promoted = await runParley(['users', 'role', 'bob', 'admin'], { env });
      assert.match(promoted.stdout, /\sbob\s+admin\s/);
      const badRole = await runParley(['users', 'role', 'bob', 'owner'], { env });
      assert.equal(badRole.status, 2);
      const nobody = await runParley(['users', 'disable', 'nobody'], { env });
      assert.deepEqual(
        [nobody.status, nobody.stderr],
        [1, 'parley: no user named nobody (nor with that id)\n'],
      );
      const noFlag = await runParley(['users', 'password', 'alice'], { env });
      assert.equal(noFlag.status, 2);
    } finally {
      await server.stop();
    }
    // Each change is in the audit log, as made from the command line.
    const database = new DatabaseSync(join(dataDir, 'people.sqlite'), { readOnly: true });
    try {
      const actions = database
        .prepare('SELECT action FROM audit_log WHERE details LIKE \'%"from":"cli"%\' ORDER BY id')
        .all()
        .map((row) => row.action);
      assert.deepEqual(actions, [
        'user.create',
        'user.create',
        'user.update',
        'user.update',
        'user.update',
        'user.update',
      ]);
    } finally {
      database.close();
    }
  });

  test('db migrate brings a new database up; db backup copies a live one', SLOW, async () => {
    const path = join(dataDir, 'fresh.sqlite');
    const env = { DATABASE_URL: `sqlite:${path}` };
    const migrated = await runParley(['db', 'migrate'], { env });
    assert.equal(migrated.status, 0, migrated.stderr);
    const version = Number(/migrated from version 0 to (\d+)\n$/.exec(migrated.stdout)?.[1]);
    assert.ok(version > 0, migrated.stdout);
    const again = await runParley(['db', 'migrate', '--json'], { env });
    assert.deepEqual(JSON.parse(again.stdout), {
      database: path,
      kind: 'sqlite',
      from_version: version,
      version,
    });

    const server = await startServer({
      ...env,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    });
    try {
      const asked = await runParley(['ask', 'back me up'], {
        env: { PARLEY_URL: server.baseUrl, XDG_CONFIG_HOME: dataDir },
      });
      assert.equal(asked.status, 0, asked.stderr);
      const copy = join(dataDir, 'copy.sqlite');
      const backup = await runParley(['db', 'backup', copy, '--json'], { env });
      assert.equal(backup.status, 0, backup.stderr);
      assert.equal((JSON.parse(backup.stdout) as { version: number }).version, version);
      const database = new DatabaseSync(copy, { readOnly: true });
      try {
        const rows = database.prepare("SELECT content FROM messages WHERE role = 'user'").all();
        assert.deepEqual(
          rows.map((row) => row.content),
          ['back me up'],
        );
      } finally {
        database.close();
      }
      const refused = await runParley(['db', 'backup', copy], { env });
      assert.deepEqual(
        [refused.status, refused.stderr],
        [1, `parley: ${copy} exists; pass --force to overwrite it\n`],
      );
      assert.equal((await runParley(['db', 'backup', copy, '--force'], { env })).status, 0);
    } finally {
      await server.stop();
    }

    const postgres = await runParley([
      'db',
      'backup',
      'dump.pgc',
      '--database',
      'postgres://parley:secret@db.example:5432/parley',
    ]);
    assert.equal(postgres.status, 1);
    assert.match(
      postgres.stderr,
      /^parley: PostgreSQL is backed up with pg_dump: pg_dump --format=custom --file dump\.pgc/,
    );
    assert.ok(!postgres.stderr.includes('secret'), 'the password is not printed');
    assert.ok(!existsSync(join(root, 'dump.pgc')));
    const missing = await runParley([
      'db',
      'backup',
      join(dataDir, 'x.sqlite'),
      '--database',
      `sqlite:${join(dataDir, 'none.sqlite')}`,
    ]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^parley: no database at /);
  });
});
