/**
 * `parley chat` in a real terminal: tmux (on a socket of its own) runs the command against a real
 * server in front of a fake upstream, and the test types into it and reads the screen. A question
 * gets its answer streamed and rendered as markdown; Ctrl+C stops a long answer (the upstream sees
 * the connection cut, the answer is kept as incomplete); /regen makes a second answer and /branch
 * lists both and switches back; /edit edits the last question; the up arrow recalls inputs; Ctrl+C twice leaves; --continue
 * resumes the conversation.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { PARLEY_BIN } from './support/run-cli.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const SOCKET = `parley-chat-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

/** A tmux window running one command, typed into and read like a person would. */
class Terminal {
  readonly #name: string;
  constructor(name: string, command: string) {
    this.#name = name;
    tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '50', command);
  }
  type(text: string): void {
    tmux('send-keys', '-t', this.#name, '-l', text);
  }
  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.#name, ...keys);
  }
  /** The screen and its scrollback, without the blanks after each line and after the last one. */
  screen(): string {
    return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', this.#name)
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trimEnd();
  }
  /** Waits until the screen matches (the command streams at its own pace); fails with the screen. */
  async waitFor(pattern: RegExp, what: string): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) assert.fail(`${what}: ${pattern} never showed; the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

describe('parley chat in a terminal', () => {
  let upstream: FakeOpenAIUpstream;
  let server: ServerProcess;
  let directory: string;
  let command: (args: string) => string;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    directory = await mkdtemp(join(tmpdir(), 'parley-chat-'));
    server = await startServer({
      DATABASE_URL: `sqlite:${join(directory, 'parley.sqlite')}`,
      OPENAI_BASE_URL: upstream.baseUrl,
      OPENAI_API_KEY: 'sk-upstream',
      PARLEY_DEFAULT_MODEL: 'fake-model',
    });
    const env = {
      PATH: process.env.PATH ?? '',
      TERM: 'xterm-256color',
      PARLEY_URL: server.baseUrl,
      XDG_CONFIG_HOME: join(directory, 'config'),
    };
    const assignments = Object.entries(env).map(([name, value]) => `${name}=${quote(value)}`);
    // After the chat ends, its exit code stays on the screen.
    command = (args: string) =>
      `env -i ${assignments.join(' ')} ${quote(process.execPath)} ${quote(PARLEY_BIN)} chat ${args}; echo "chat exited $?"; sleep 600`;
  });
  after(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No session was left.
    }
    await server.stop();
    await upstream.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('streams rendered answers; Ctrl+C stops one; /regen and /branch switch branches', async () => {
    const terminal = new Terminal('chat', command(''));
    await terminal.waitFor(/^you ›$/m, 'the prompt');

    upstream.reply({
      kind: 'stream',
      deltas: ['# Plan\n\n', 'Some **bold** words ', 'and `code`.\n\n', '- first step\n', '- second step\n'],
      intervalMs: 30,
    });
    terminal.type('make a plan');
    terminal.keys('Enter');
    let screen = await terminal.waitFor(/second step[\s\S]*you ›$/, 'the markdown answer');
    assert.match(screen, /Some bold words and code\./, 'bold and code are rendered, not shown as ** and `');
    assert.doesNotMatch(screen, /\*\*bold\*\*/);
    assert.match(screen, /^\s+\* first step$/m, 'a rendered list');

    // A long answer, streamed slowly: it shows as it comes, then Ctrl+C stops it.
    upstream.reply({
      kind: 'stream',
      deltas: Array.from({ length: 400 }, (_, index) => `word${index} `),
      intervalMs: 25,
    });
    terminal.type('tell me a long story');
    terminal.keys('Enter');
    await terminal.waitFor(/word5 /, 'the answer, streaming');
    terminal.keys('C-c');
    screen = await terminal.waitFor(
      /\[stopped: the answer is kept as incomplete; \/continue goes on\]\nyou ›$/,
      'the stop',
    );
    assert.doesNotMatch(screen, /word399/, 'the answer was cut short');
    const cut = upstream.lastRequest();
    await cut.settled;
    assert.equal(cut.clientClosedEarly, true, 'the upstream saw the connection cut');

    const [conversation] = (
      (await (await fetch(`${server.baseUrl}/api/conversations`)).json()) as { data: { id: string }[] }
    ).data;
    assert.ok(conversation !== undefined);
    const tree = async () =>
      (await (await fetch(`${server.baseUrl}/api/conversations/${conversation.id}`)).json()) as {
        current_node: string;
        messages: { id: string; role: string; status: string; content: string }[];
      };
    const stopped = (await tree()).messages.find((message) => message.content.startsWith('word0 '));
    assert.equal(stopped?.status, 'incomplete');

    terminal.type('/regen');
    terminal.keys('Enter');
    await terminal.waitFor(
      /echo: tell me a long story\n\[answer 2 of 2: \/branch lists them\]\nyou ›$/,
      'a second answer',
    );
    assert.notEqual((await tree()).current_node, stopped?.id);

    terminal.type('/branch');
    terminal.keys('Enter');
    screen = await terminal.waitFor(/\/branch <n> switches\nyou ›$/, 'the branches');
    assert.match(
      screen,
      /2 answers to “tell me a long story”:\n {2}1 {2}word0 word1 word2[^\n]*\n\* 2 {2}echo: tell me a long story\n/,
    );

    terminal.type('/branch 1');
    terminal.keys('Enter');
    await terminal.waitFor(
      /on branch 1 of 2\nyou: tell me a long story\nassistant: word0 word1/,
      'the switch',
    );
    assert.equal((await tree()).current_node, stopped?.id, 'the switch is stored as the current node');

    // The up arrow brings back the last input; Ctrl+C drops it.
    terminal.keys('Up');
    await terminal.waitFor(/you › \/branch 1$/, 'the input history');
    terminal.keys('C-c');
    await terminal.waitFor(/you ›$/, 'a cleared line');
    terminal.keys('C-c');
    await terminal.waitFor(/\(press Ctrl\+C again to leave\)\nyou ›$/, 'the first Ctrl+C');
    terminal.keys('C-c');
    await terminal.waitFor(/chat exited 0/, 'the second Ctrl+C');
    const history = await readFile(join(directory, 'config', 'parley', 'chat-history'), 'utf8');
    assert.equal(history, 'make a plan\ntell me a long story\n/regen\n/branch\n/branch 1\n');

    const resumed = new Terminal('resumed', command('--continue'));
    screen = await resumed.waitFor(/you ›$/m, 'the resumed chat');
    assert.match(
      screen,
      new RegExp(`opened “.*” \\(${conversation.id}\\)\\nyou: tell me a long story\\nassistant: word0`),
    );
    resumed.type('/continue');
    resumed.keys('Enter');
    await resumed.waitFor(/you ›$/, 'the continued answer');
    const continued = (await tree()).messages.find((message) => message.id === stopped?.id);
    assert.equal(continued?.status, 'completed');
    // /edit alone puts the last question on the line; what is typed after it makes a sibling question.
    resumed.type('/edit');
    resumed.keys('Enter');
    await resumed.waitFor(/you › \/edit tell me a long story$/, 'the question to edit');
    resumed.type(', shorter');
    resumed.keys('Enter');
    await resumed.waitFor(
      /echo: tell me a long story, shorter\n\[question 2 of 2: \/branch lists them\]\nyou ›$/,
      'the edited question answered',
    );
    const questions = (await tree()).messages
      .filter((message) => message.role === 'user')
      .map((message) => message.content);
    assert.deepEqual(questions.slice(-2), ['tell me a long story', 'tell me a long story, shorter']);

    resumed.keys('C-d');
    await resumed.waitFor(/chat exited 0/, 'Ctrl+D');
  });
});
