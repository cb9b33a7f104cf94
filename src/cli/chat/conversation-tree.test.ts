import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiConversationWithMessages, ApiMessage } from '../api-types.ts';
import { ConversationTree, snippet } from './conversation-tree.ts';

function message(
  id: string,
  parent: string | null,
  role: string,
  children: string[] = [],
  deleted = false,
): ApiMessage {
  return {
    id,
    parent_id: parent,
    children,
    role,
    content: `text of ${id}`,
    status: 'completed',
    model: null,
    error: null,
    deleted,
    created_at: 0,
  };
}

/**
 * q1 ─ a1 ─ q2 ─ a2
 *    ├ a1b ─ q3 ─ a3a
 *    │          └ a3b
 *    └ a1c (deleted)
 */
function conversation(currentNode: string): ApiConversationWithMessages {
  return {
    id: 'c',
    title: null,
    model: null,
    current_node: currentNode,
    system_prompt: null,
    created_at: 0,
    updated_at: 0,
    messages: [
      message('q1', null, 'user', ['a1', 'a1b', 'a1c']),
      message('a1', 'q1', 'assistant', ['q2']),
      message('q2', 'a1', 'user', ['a2']),
      message('a2', 'q2', 'assistant'),
      message('a1b', 'q1', 'assistant', ['q3']),
      message('q3', 'a1b', 'user', ['a3a', 'a3b']),
      message('a3a', 'q3', 'assistant'),
      message('a3b', 'q3', 'assistant'),
      message('a1c', 'q1', 'assistant', [], true),
    ],
  };
}

describe('ConversationTree', () => {
  it('walks the current branch from the root', () => {
    const tree = new ConversationTree(conversation('a2'));
    assert.deepEqual(
      tree.currentPath().map((entry) => entry.id),
      ['q1', 'a1', 'q2', 'a2'],
    );
    assert.equal(tree.lastOnPath('user')?.id, 'q2');
  });

  it('finds the fork nearest the current node, leaving deleted messages out', () => {
    const nearTheTop = new ConversationTree(conversation('a2')).nearestFork();
    assert.deepEqual(
      [nearTheTop?.chosen.id, nearTheTop?.siblings.map((entry) => entry.id)],
      ['a1', ['a1', 'a1b']],
    );
    const deeper = new ConversationTree(conversation('a3a')).nearestFork();
    assert.deepEqual([deeper?.chosen.id, deeper?.siblings.map((entry) => entry.id)], ['a3a', ['a3a', 'a3b']]);
    const single = new ConversationTree({ ...conversation('q1'), messages: [message('q1', null, 'user')] });
    assert.equal(single.nearestFork(), undefined);
  });

  it('follows a branch down to its newest leaf', () => {
    const tree = new ConversationTree(conversation('a2'));
    const a1b = tree.get('a1b');
    assert.ok(a1b !== undefined);
    assert.equal(tree.leafOf(a1b).id, 'a3b');
    const q1 = tree.get('q1');
    assert.ok(q1 !== undefined);
    assert.equal(tree.leafOf(q1).id, 'a3b', 'the newest live child at each step (the deleted one skipped)');
  });

  it('cuts snippets to one line', () => {
    assert.equal(snippet('a\n  b   c'), 'a b c');
    assert.equal(snippet('x'.repeat(70), 10), `${'x'.repeat(9)}…`);
  });
});
