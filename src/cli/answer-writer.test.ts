import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastBlockBoundary, markdownAnswerWriter, rawAnswerWriter, rowsOf } from './answer-writer.ts';

/** A terminal stand-in that records what was written. */
function terminal(columns = 40) {
  const writes: string[] = [];
  return { columns, writes, write: (text: string) => writes.push(text) };
}

describe('answer writers', () => {
  it('finds where finished blocks end: after a blank line, never inside a code fence', () => {
    assert.equal(lastBlockBoundary('one paragraph still being writ'), 0);
    assert.equal(lastBlockBoundary('first\n\nsecond'), 'first\n\n'.length);
    assert.equal(lastBlockBoundary('a\n\nb\n\nc'), 'a\n\nb\n\n'.length);
    assert.equal(lastBlockBoundary('```\ncode\n\nmore code'), 0, 'a blank line in a fence');
    assert.equal(lastBlockBoundary('```\ncode\n\n```\n\nafter'), '```\ncode\n\n```\n\n'.length);
    assert.equal(lastBlockBoundary('\n\n'), 0, 'nothing finished yet');
  });

  it('counts wrapped rows', () => {
    assert.equal(rowsOf('short', 40), 1);
    assert.equal(rowsOf('x'.repeat(81), 40), 3);
    assert.equal(rowsOf('a\nb\n', 40), 3, 'the row the cursor waits on counts');
  });

  it('shows the block being written as plain text, then redraws it rendered', async () => {
    const output = terminal();
    const writer = await markdownAnswerWriter(output);
    writer.write('Some **bo');
    writer.write('ld** text');
    assert.deepEqual(output.writes, ['Some **bo', 'ld** text'], 'plain while the block grows');
    writer.write('.\n\nNext');
    // The plain rows are erased (back to the start of the line, clear below) before the rendered block.
    assert.equal(output.writes[2], '\r\u001b[J');
    assert.match(output.writes[3] ?? '', /^Some .*bold.* text\.\n\n$/);
    assert.doesNotMatch(output.writes[3] ?? '', /\*\*/);
    assert.equal(output.writes[4], 'Next');
    writer.end();
    assert.equal(output.writes.at(-1), 'Next\n');
  });

  it('moves up over every row the plain text took before redrawing', async () => {
    const output = terminal(10);
    const writer = await markdownAnswerWriter(output);
    writer.write('0123456789abcdefghij klm\nline two');
    writer.write('\n\n');
    // 24 characters (3 rows of 10) and a second line: the cursor is on the 4th row, 3 below the first.
    assert.equal(output.writes[1], '\r\u001b[3A\u001b[J');
  });

  it('writes raw text as is and ends on a new line', () => {
    const output = terminal();
    const writer = rawAnswerWriter(output);
    writer.write('# not **rendered**');
    writer.end();
    assert.deepEqual(output.writes, ['# not **rendered**', '\n']);
  });
});
