import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanTitle } from './titles.ts';

describe('titles', () => {
  it('cleans what a model replies into one short title', () => {
    assert.equal(cleanTitle('"Planning a Day in Oslo."'), 'Planning a Day in Oslo');
    assert.equal(cleanTitle('\n\nTitle: **Rice cooking tips**\nMore text'), 'Rice cooking tips');
    assert.equal(cleanTitle('« Voyage à Oslo »'), 'Voyage à Oslo');
    assert.equal(cleanTitle('   '), undefined);
    assert.equal(cleanTitle('x'.repeat(200))?.length, 80);
  });
});
