/**
 * The `parley` commands that talk to a server (ask, import, export, models list --server, config),
 * run as child processes against a real server in front of a fake upstream: the happy paths, the
 * JSON output parsed, and the failures (no server, missing or bad key, unknown id, bad usage).
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closedEndpoint } from './support/closed-endpoint.ts';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { runParley, startParley } from './support/run-cli.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const ADMIN_KEY = 'sk-parley-cli-test-admin-key-0123456789';

const lastUserContent = (upstream: FakeOpenAIUpstream) =>
  (upstream.lastRequest().body as { messages: { role: string; content: string }[] }).messages.at(-1)?.content;

describe('parley commands against a running server', () => {
  let upstream: FakeOpenAIUpstream;
  let server: ServerProcess;
  let directory: string;
  let env: Record<string, string>;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    directory = await mkdtemp(join(tmpdir(), 'parley-cli-client-'));
    server = await startServer({
      DATABASE_URL: `sqlite:${join(directory, 'parley.sqlite')}`,
      OPENAI_BASE_URL: upstream.baseUrl,
      OPENAI_API_KEY: 'sk-upstream',
      PARLEY_DEFAULT_MODEL: 'fake-model',
      PARLEY_ADMIN_KEY: ADMIN_KEY,
    });
    // A config directory of its own, so the user's real config file is never read.
    env = {
      PARLEY_URL: server.baseUrl,
      PARLEY_API_KEY: ADMIN_KEY,
      XDG_CONFIG_HOME: join(directory, 'config'),
    };
  });
  after(async () => {
    await server.stop();
    await upstream.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('ask streams one answer to stdout, a new conversation each time', async () => {
    const asked = await runParley(['ask', 'hello', 'there'], { env });
    assert.equal(asked.status, 0, asked.stderr);
    assert.equal(asked.stdout, 'echo: hello there\n');
    assert.equal(asked.stderr, '');
    assert.equal(lastUserContent(upstream), 'hello there');
    assert.equal((upstream.lastRequest().body as { messages: unknown[] }).messages.length, 1);
  });

  test('ask reads a piped stdin: appended to the question, or the question itself', async () => {
    const review = await runParley(['ask', 'review this'], { env, input: 'diff --git a/x b/x\n+new line\n' });
    assert.equal(review.status, 0, review.stderr);
    assert.equal(lastUserContent(upstream), 'review this\n\ndiff --git a/x b/x\n+new line');
    assert.match(review.stdout, /^echo: review this\n\ndiff --git/);

    const only = await runParley(['ask'], { env, input: 'just stdin' });
    assert.equal(only.status, 0, only.stderr);
    assert.equal(only.stdout, 'echo: just stdin\n');

    const nothing = await runParley(['ask'], { env, input: '' });
    assert.equal(nothing.status, 2);
    assert.match(nothing.stderr, /^parley: ask needs a question/);
  });

  test('ask --json prints the stored answer; --conversation continues it with --system', async () => {
    const first = await runParley(['--json', 'ask', 'remember 42'], { env });
    assert.equal(first.status, 0, first.stderr);
    const answer = JSON.parse(first.stdout) as {
      conversation_id: string;
      question_id: string;
      message: { id: string; parent_id: string; content: string; status: string; role: string };
    };
    assert.equal(answer.message.content, 'echo: remember 42');
    assert.equal(answer.message.status, 'completed');
    assert.equal(answer.message.parent_id, answer.question_id);

    const next = await runParley(
      ['ask', '--conversation', answer.conversation_id, '--system', 'be brief', 'and now?', '--json'],
      { env },
    );
    assert.equal(next.status, 0, next.stderr);
    assert.equal(
      (JSON.parse(next.stdout) as { message: { parent_id: string } }).message.parent_id !== '',
      true,
    );
    const sent = (upstream.lastRequest().body as { messages: { role: string; content: string }[] }).messages;
    assert.deepEqual(
      sent.map((message) => [message.role, message.content]),
      [
        ['system', 'be brief'],
        ['user', 'remember 42'],
        ['assistant', 'echo: remember 42'],
        ['user', 'and now?'],
      ],
    );
  });

  test('ask fails in one line: unknown conversation, upstream failure', async () => {
    const unknown = await runParley(['ask', '--conversation', '00000000-0000-4000-8000-000000000000', 'hi'], {
      env,
    });
    assert.equal(unknown.status, 1);
    assert.equal(
      unknown.stderr,
      'parley: conversation 00000000-0000-4000-8000-000000000000 not found (HTTP 404)\n',
    );

    upstream.reply({ kind: 'stream', deltas: ['half ', 'an ans'], end: 'reset', intervalMs: 100 });
    const cut = await runParley(['ask', 'fail please'], { env });
    assert.equal(cut.status, 1);
    assert.match(cut.stdout, /^half an ans/);
    assert.match(cut.stderr, /^parley: the answer failed: .+\n$/);
  });

  test('Ctrl+C stops ask: the answer is cancelled on the server and kept as incomplete', async () => {
    upstream.reply({
      kind: 'stream',
      deltas: Array.from({ length: 400 }, (_, index) => `w${index} `),
      intervalMs: 25,
    });
    const asking = startParley(['ask', 'a long one, please'], { env });
    while (!/w3 /.test(asking.output())) {
      assert.equal(asking.child.exitCode, null, asking.output());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    asking.child.kill('SIGINT');
    const { status, stdout, stderr } = await asking.result;
    assert.equal(status, 1);
    assert.doesNotMatch(stdout, /w399/);
    const id = /^parley: stopped; the answer is kept, incomplete, in conversation (\S+)\n$/.exec(stderr)?.[1];
    assert.ok(id !== undefined, stderr);
    const cut = upstream.lastRequest();
    await cut.settled;
    assert.equal(cut.clientClosedEarly, true, 'the upstream saw the cut');
    const conversation = (await (
      await fetch(`${server.baseUrl}/api/conversations/${id}`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      })
    ).json()) as { messages: { role: string; status: string }[] };
    assert.deepEqual(
      conversation.messages.map((message) => [message.role, message.status]),
      [
        ['user', 'completed'],
        ['assistant', 'incomplete'],
      ],
    );
  });

  test('no server, no key, a bad key: exit 1 with one line that says what to do', async () => {
    const url = (await closedEndpoint()).replace(/\/$/, '');
    const away = await runParley(['ask', 'hi', '--url', url], { env });
    assert.equal(away.status, 1);
    assert.equal(
      away.stderr,
      `parley: cannot reach a Parley server at ${url} (ECONNREFUSED); start one with \`parley serve\`, or point --url or PARLEY_URL at it\n`,
    );

    const keyless = await runParley(['export'], { env: { ...env, PARLEY_API_KEY: '' } });
    assert.equal(keyless.status, 1);
    assert.match(
      keyless.stderr,
      /^parley: .*\(HTTP 401\); pass a key with --key, PARLEY_API_KEY or `parley config set key <key>`\n$/,
    );

    const bad = await runParley(['export', '--key', 'sk-parley-not-a-real-key'], { env });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^parley: .*\(HTTP 401\); check the key/);
    assert.equal(bad.stderr.split('\n').length, 2, 'one line');
  });

  test('a bad flag or a bad value is a usage error: exit 2 and the usage on stderr', async () => {
    const flag = await runParley(['ask', '--frobnicate', 'hi'], { env });
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /^parley: unknown option '--frobnicate'\n/);
    assert.match(flag.stderr, /Usage: parley ask \[options\] \[question\.\.\.\]/);
    assert.equal(flag.stdout, '');

    const format = await runParley(['export', '--format', 'pdf'], { env });
    assert.equal(format.status, 2);
    assert.match(format.stderr, /argument 'pdf' is invalid. Allowed choices are json, markdown/);

    const url = await runParley(['ask', 'hi', '--url', 'ftp://example.com'], { env });
    assert.equal(url.status, 2);
    assert.match(url.stderr, /^parley: the server URL must be http:\/\/ or https:\/\//);
  });

  test('export as JSON and Markdown, to stdout or a file; import it back', async () => {
    const exported = await runParley(['export'], { env });
    assert.equal(exported.status, 0, exported.stderr);
    const data = JSON.parse(exported.stdout) as {
      format: string;
      conversations: { id: string; title: string }[];
    };
    assert.ok(data.conversations.length >= 3, exported.stdout.slice(0, 200));

    const file = join(directory, 'all.md');
    const markdown = await runParley(['export', '--format', 'markdown', '--out', file], { env });
    assert.equal(markdown.status, 0, markdown.stderr);
    assert.equal(markdown.stdout, '');
    assert.match(await readFile(file, 'utf8'), /\*\*User:\*\*\n\nremember 42/);

    const one = data.conversations[0];
    assert.ok(one !== undefined);
    const single = await runParley(['export', '--conversation', one.id], { env });
    assert.deepEqual(
      (JSON.parse(single.stdout) as { conversations: { id: string }[] }).conversations.map(({ id }) => id),
      [one.id],
    );

    // Ids are kept on import and are unique across owners: the copy to import gets new ones.
    const fresh = new Map<string, string>();
    const copy = exported.stdout.replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      (id) => fresh.get(id) ?? fresh.set(id, randomUUID()).get(id) ?? id,
    );
    const dump = join(directory, 'export.json');
    await writeFile(dump, copy);
    const imported = await runParley(['import', dump, '--json'], { env });
    assert.equal(imported.status, 0, imported.stderr);
    const result = JSON.parse(imported.stdout) as { imported: number; conversations: { id: string }[] };
    assert.equal(result.imported, data.conversations.length);
    assert.deepEqual(
      result.conversations.map(({ id }) => id).sort(),
      data.conversations.map(({ id }) => fresh.get(id)).sort(),
    );
    const again = await runParley(['import', dump], { env });
    assert.equal(again.status, 1, 'all or nothing: the ids exist now');
    assert.match(again.stderr, /^parley: import: .* exist already.*\(HTTP 409\)\n$/);

    const notJson = join(directory, 'notes.txt');
    await writeFile(notJson, 'not json');
    const refused = await runParley(['import', notJson], { env });
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr, `parley: ${notJson} is not valid JSON\n`);
    const wrongShape = join(directory, 'wrong.json');
    await writeFile(wrongShape, '{"hello": "world"}');
    const rejected = await runParley(['import', wrongShape], { env });
    assert.equal(rejected.status, 1);
    assert.match(rejected.stderr, /^parley: .*\(HTTP 400\)\n$/);
    const unknown = await runParley(['export', '--conversation', '00000000-0000-4000-8000-000000000000'], {
      env,
    });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /not found \(HTTP 404\)/);
  });

  test('chat takes piped lines in order: questions and the slash commands', async () => {
    const exported = join(directory, 'chat.md');
    const script = [
      'first question about oslo',
      '/title Trip notes',
      '/title',
      '/list',
      '/model',
      '/model fake-model',
      '/system be terse',
      '/system',
      '/new',
      'second question',
      '/open oslo',
      `/export ${exported}`,
      '/branch',
      '/bogus',
      '/open nothing-matches-this',
      '/help',
      '/quit',
      'never sent',
    ];
    const chat = await runParley(['chat', '--raw'], { env, input: `${script.join('\n')}\n` });
    assert.equal(chat.status, 0, chat.stderr);
    assert.equal(chat.stderr, '');
    const expected = [
      /echo: first question about oslo\n/,
      /title: Trip notes\ntitle: Trip notes\n/,
      /^\s+ID\s+UPDATED\s+TITLE\n\*\s+([0-9a-f-]{36})\s+\S+ \S+\s+Trip notes\n/m,
      /model: \(the server’s default\)\navailable: fake-model\nmodel: fake-model\n/,
      /system prompt set\nsystem prompt: be terse\nnew conversation\necho: second question\n/,
      /opened “Trip notes” \([0-9a-f-]{36}\)\nyou: first question about oslo\nassistant: echo: first question about oslo\n/,
      /exported to .*chat\.md\nthis conversation has one branch: \/regen or \/edit make another\n/,
      /unknown command \/bogus: \/help lists them\nparley: no conversation matches “nothing-matches-this”\n/,
      /\/branch \[n\]\s+list the alternatives at the nearest fork, or switch to the n-th\n/,
    ];
    let rest = chat.stdout;
    for (const pattern of expected) {
      const match = pattern.exec(rest);
      assert.ok(match !== null, `${pattern} in order in:\n${chat.stdout}`);
      rest = rest.slice(match.index + match[0].length);
    }
    assert.doesNotMatch(chat.stdout, /never sent/, '/quit leaves');
    assert.match(await readFile(exported, 'utf8'), /^# Trip notes\n[\s\S]*first question about oslo/);
    // /system reached the conversation: the second question went with it.
    const sent = (upstream.lastRequest().body as { messages: { role: string; content: string }[] }).messages;
    assert.deepEqual(sent[0], { role: 'system', content: 'be terse' });
  });

  test('chat with no server or a refused key ends at once with exit 1', async () => {
    const away = await runParley(['chat', '--url', (await closedEndpoint()).replace(/\/$/, '')], {
      env,
      input: 'hi\n',
    });
    assert.equal(away.status, 1);
    assert.match(away.stderr, /^parley: cannot reach a Parley server at .*\n$/);
    const refused = await runParley(['chat', '--key', 'sk-parley-wrong-wrong-wrong'], { env, input: 'hi\n' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /\(HTTP 401\); check the key/);
    const resumeUnknown = await runParley(
      ['chat', '--conversation', '00000000-0000-4000-8000-000000000000'],
      {
        env,
        input: '',
      },
    );
    assert.equal(resumeUnknown.status, 1);
    assert.match(resumeUnknown.stderr, /not found \(HTTP 404\)/);
  });

  test('models list --server shows what the server serves', async () => {
    const table = await runParley(['models', 'list', '--server'], { env });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^MODEL\s+OWNED BY\nfake-model\s+\S+/);
    const json = await runParley(['models', 'list', '--server', '--json'], { env });
    assert.ok(
      (JSON.parse(json.stdout) as { data: { id: string }[] }).data.some(({ id }) => id === 'fake-model'),
    );
  });

  test('the config file gives url and key when no flag or variable does', async () => {
    const bare = { XDG_CONFIG_HOME: join(directory, 'config-file-test') };
    assert.equal((await runParley(['config', 'set', 'url', server.baseUrl], { env: bare })).status, 0);
    assert.equal((await runParley(['config', 'set', 'key', ADMIN_KEY], { env: bare })).status, 0);
    const stored = JSON.parse(await readFile(join(bare.XDG_CONFIG_HOME, 'parley', 'config.json'), 'utf8'));
    assert.deepEqual(stored, { url: server.baseUrl, key: ADMIN_KEY });
    const shown = await runParley(['config', 'show', '--json'], { env: bare });
    assert.equal(
      (JSON.parse(shown.stdout) as { key: string }).key.includes(ADMIN_KEY),
      false,
      'the key is shortened',
    );

    const asked = await runParley(['ask', 'from the config file'], { env: bare });
    assert.equal(asked.status, 0, asked.stderr);
    assert.equal(asked.stdout, 'echo: from the config file\n');
    // A flag wins over the file.
    const flagged = await runParley(['ask', 'x', '--key', 'sk-parley-wrong-wrong-wrong'], { env: bare });
    assert.equal(flagged.status, 1);
    const badField = await runParley(['config', 'set', 'colour', 'blue'], { env: bare });
    assert.equal(badField.status, 2);
  });
});
