/**
 * Parley's export format in process: version 2 carries every message's parts and the bytes they
 * name once per SHA-256, and imports back exactly (bytes hashed again); version 1 files (text only)
 * still import; bad bytes are refused by name, and a refused import leaves nothing.
 */

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildTestApp } from '../../../test/support/test-app.ts';

const ADMIN = 'sk-admin-transfer-0123456789abcdef';
type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const PDF = Buffer.from('%PDF-1.4 a small file');

/** A version-2 export of one conversation: a question with an image and a file, a tool loop, an answer. */
function exportDocument(
  attachments: Record<string, { data: string }> = {
    [sha256Of(PNG)]: { data: PNG.toString('base64') },
    [sha256Of(PDF)]: { data: PDF.toString('base64') },
  },
) {
  const ids = Array.from({ length: 4 }, () => randomUUID());
  const message = (index: number, role: string, content: string, parts: unknown[]) => ({
    id: ids[index],
    parent_id: index === 0 ? null : ids[index - 1],
    role,
    content,
    parts,
    status: 'completed',
    model: role === 'assistant' ? 'claude-fake' : null,
    provider: role === 'assistant' ? 'anthropic' : null,
    finish_reason: role === 'assistant' ? 'stop' : null,
    input_tokens: null,
    output_tokens: null,
    error: null,
    request_options: null,
    deleted_at: null,
    context: null,
    upstream_conversation_id: null,
    upstream_message_id: null,
    created_at: 1_764_700_000_000 + index,
    updated_at: 1_764_700_000_000 + index,
  });
  return {
    format: 'parley.export',
    version: 2,
    exported_at: 1_764_700_100_000,
    conversations: [
      {
        id: randomUUID(),
        title: 'Parts',
        model: 'claude-fake',
        current_node: ids[3],
        system_prompt: null,
        temperature: null,
        max_output_tokens: null,
        metadata: {},
        created_at: 1_764_700_000_000,
        updated_at: 1_764_700_000_003,
        messages: [
          message(0, 'user', 'Look, and the weather?', [
            { type: 'text', text: 'Look, and the weather?' },
            { type: 'image', media_type: 'image/png', sha256: sha256Of(PNG), detail: 'low' },
            { type: 'image', url: 'https://example.com/cat.png' },
            { type: 'file', media_type: 'application/pdf', filename: 'notes.pdf', sha256: sha256Of(PDF) },
            // The same bytes named twice: once in the file's map.
            { type: 'image', media_type: 'image/png', sha256: sha256Of(PNG) },
          ]),
          message(1, 'assistant', '', [
            { type: 'reasoning', text: 'Ask the tool.', encrypted: 'opaque-payload' },
            { type: 'tool_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
          ]),
          message(2, 'tool', '', [{ type: 'tool_result', call_id: 'call_1', output: '21 degrees' }]),
          message(3, 'assistant', 'It is 21 degrees.', [
            { type: 'text', text: 'It is 21 degrees.' },
            { type: 'refusal', text: 'No more.' },
          ]),
        ],
      },
    ],
    attachments,
  };
}

describe('export and import with parts and attachments', () => {
  let parley: TestApp;
  beforeEach(async () => {
    parley = await buildTestApp({ env: { PARLEY_ADMIN_KEY: ADMIN, PARLEY_MAX_ATTACHMENT_BYTES: '1024' } });
  });
  afterEach(async () => {
    await parley.app.close();
    await parley.store.close();
  });

  const request = (method: 'GET' | 'POST', url: string, payload?: unknown, key = ADMIN) =>
    parley.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const conversations = async () =>
    ((await request('GET', '/api/conversations')).json() as { data: unknown[] }).data;
  const messageOf = (response: { body: string }) =>
    (response as unknown as { json(): { error: { message: string } } }).json().error.message;

  it('imports parts and bytes exactly, and exports them back the same, each attachment once', async () => {
    const document = exportDocument();
    const imported = await request('POST', '/api/import', document);
    assert.equal(imported.statusCode, 201, imported.body);

    const exported = await request('GET', '/api/export');
    assert.equal(exported.statusCode, 200);
    assert.match(String(exported.headers['content-type']), /^application\/json/);
    const { exported_at: _a, ...back } = exported.json() as Record<string, unknown>;
    const { exported_at: _b, ...sent } = document;
    assert.deepEqual(back, sent);
    // One conversation's export carries the bytes its parts name too.
    const id = document.conversations[0]?.id ?? '';
    const one = (await request('GET', `/api/conversations/${id}/export`)).json() as typeof document;
    assert.deepEqual(Object.keys(one.attachments).sort(), [sha256Of(PNG), sha256Of(PDF)].sort());

    // The native API shows the same parts (bytes by URL, reasoning without its payload).
    const tree = (await request('GET', `/api/conversations/${id}`)).json() as {
      messages: { parts: { type: string; url?: string }[] }[];
    };
    assert.deepEqual(tree.messages[1]?.parts, [
      { type: 'reasoning', text: 'Ask the tool.' },
      { type: 'tool_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
    ]);
    const fileUrl = tree.messages[0]?.parts[3]?.url ?? '';
    const file = await request('GET', fileUrl);
    assert.equal(file.statusCode, 200);
    assert.deepEqual(file.rawPayload, PDF);
  });

  it('shows what is not text in the Markdown export', async () => {
    const document = exportDocument();
    assert.equal((await request('POST', '/api/import', document)).statusCode, 201);
    const id = document.conversations[0]?.id ?? '';
    const markdown = (await request('GET', `/api/conversations/${id}/export?format=markdown`)).body;
    const body = markdown.split('\n').slice(4).join('\n');
    assert.equal(
      body,
      [
        '**User:**',
        '',
        'Look, and the weather?',
        '',
        `_[image: image/png, sha256 ${sha256Of(PNG)}]_`,
        '',
        '![image](<https://example.com/cat.png>)',
        '',
        `_[file: notes.pdf, application/pdf, sha256 ${sha256Of(PDF)}]_`,
        '',
        `_[image: image/png, sha256 ${sha256Of(PNG)}]_`,
        '',
        '**Assistant:**',
        '',
        '> Ask the tool.',
        '',
        '_Calls `weather` (call_1):_',
        '',
        '```json',
        '{"city":"Oslo"}',
        '```',
        '',
        '**Tool:**',
        '',
        '_Result of call_1:_',
        '',
        '```',
        '21 degrees',
        '```',
        '',
        '**Assistant:**',
        '',
        'It is 21 degrees.',
        '',
        '_Refused:_ No more.',
        '',
      ].join('\n'),
    );
  });

  it('imports an export of version 1 (text only): each message is its text', async () => {
    const document = exportDocument();
    const conversation = document.conversations[0];
    assert.ok(conversation !== undefined);
    const oldMessages = conversation.messages.map(({ parts: _parts, ...message }) => message);
    const old = {
      format: 'parley.export',
      version: 1,
      exported_at: document.exported_at,
      conversations: [{ ...conversation, messages: oldMessages }],
    };
    const imported = await request('POST', '/api/import', old);
    assert.equal(imported.statusCode, 201, imported.body);
    const tree = (await request('GET', `/api/conversations/${conversation.id}`)).json() as {
      messages: { content: string; parts: unknown[] }[];
    };
    assert.deepEqual(
      tree.messages.map((message) => message.parts),
      oldMessages.map((message) => (message.content === '' ? [] : [{ type: 'text', text: message.content }])),
    );
    const future = await request('POST', '/api/import', { ...exportDocument(), version: 3 });
    assert.equal(future.statusCode, 400);
    assert.match(messageOf(future), /version must be one of 1, 2/);
  });

  it('refuses bytes that are not what their SHA-256 names, missing or too large, importing nothing', async () => {
    const png = sha256Of(PNG);
    const pdf = sha256Of(PDF);
    const swapped = await request(
      'POST',
      '/api/import',
      exportDocument({ [png]: { data: PDF.toString('base64') }, [pdf]: { data: PDF.toString('base64') } }),
    );
    assert.equal(swapped.statusCode, 400);
    assert.equal(
      messageOf(swapped),
      `import: attachment ${png}: its bytes have another SHA-256; nothing was imported`,
    );

    const missing = await request(
      'POST',
      '/api/import',
      exportDocument({ [png]: { data: PNG.toString('base64') } }),
    );
    assert.equal(missing.statusCode, 400);
    assert.match(messageOf(missing), new RegExp(`attachments\\.${pdf} is missing`));

    const notBase64 = await request(
      'POST',
      '/api/import',
      exportDocument({ [png]: { data: '***' }, [pdf]: { data: PDF.toString('base64') } }),
    );
    assert.equal(notBase64.statusCode, 400);
    assert.match(messageOf(notBase64), new RegExp(`attachments\\.${png}\\.data must be base64`));

    const large = Buffer.alloc(2048, 7);
    const tooLarge = exportDocument();
    const question = tooLarge.conversations[0]?.messages[0];
    assert.ok(question !== undefined);
    question.parts.push({
      type: 'file',
      media_type: 'application/zip',
      filename: 'big.zip',
      sha256: sha256Of(large),
    });
    const refused = await request('POST', '/api/import', {
      ...tooLarge,
      attachments: { ...tooLarge.attachments, [sha256Of(large)]: { data: large.toString('base64') } },
    });
    assert.equal(refused.statusCode, 413);
    assert.match(
      messageOf(refused),
      new RegExp(`attachment ${sha256Of(large)} has 2048 bytes.*PARLEY_MAX_ATTACHMENT_BYTES`),
    );

    const badPart = exportDocument();
    badPart.conversations[0]?.messages[2]?.parts.push({ type: 'video', url: 'x' } as never);
    const unknownPart = await request('POST', '/api/import', badPart);
    assert.equal(unknownPart.statusCode, 400);
    assert.match(
      messageOf(unknownPart),
      /conversations\[0\]\.messages\[2\]\.parts\[1\]\.type must be one of text, image/,
    );

    assert.deepEqual(await conversations(), []);
    const bytes = await request('GET', `/api/attachments/${png}`);
    assert.equal(bytes.statusCode, 404, 'no bytes of a refused import');
  });

  it('an import that meets an existing id leaves none of its bytes; an admin exports anyone’s bytes', async () => {
    const created = await request('POST', '/api/keys', { name: 'alice' });
    const alice = (created.json() as { key: string }).key;
    const first = exportDocument();
    assert.equal((await request('POST', '/api/import', first, alice)).statusCode, 201);

    // A new conversation with bytes of its own, then one that exists: a 409, and nothing of the first.
    const own = Buffer.from('bytes of the refused import');
    const second = exportDocument({ [sha256Of(own)]: { data: own.toString('base64') } });
    const conversation = second.conversations[0];
    assert.ok(conversation !== undefined);
    for (const message of conversation.messages)
      message.parts = message.parts.filter((part) => !('sha256' in (part as object)));
    conversation.messages[0]?.parts.push({
      type: 'file',
      media_type: 'text/plain',
      filename: 'a.txt',
      sha256: sha256Of(own),
    });
    const refused = await request(
      'POST',
      '/api/import',
      {
        ...second,
        conversations: [conversation, ...first.conversations],
        attachments: { ...first.attachments, ...second.attachments },
      },
      alice,
    );
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(
      (await request('GET', `/api/attachments/${sha256Of(own)}`, undefined, alice)).statusCode,
      404,
    );
    assert.equal(
      (await request('GET', `/api/conversations/${conversation.id}`, undefined, alice)).statusCode,
      404,
    );

    // The admin's export of Alice's conversation carries its bytes, read as hers.
    const id = first.conversations[0]?.id ?? '';
    const byAdmin = (await request('GET', `/api/conversations/${id}/export`)).json() as ReturnType<
      typeof exportDocument
    >;
    assert.deepEqual(byAdmin.attachments, first.attachments);
    assert.equal(
      (await request('GET', `/api/attachments/${sha256Of(PNG)}`)).statusCode,
      404,
      'not the admin’s own',
    );
  });
});
