import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pdfOf } from '../../test/support/media-bytes.ts';
import { pdfPages } from './pdf-pages.ts';

describe('PDF pages', () => {
  it('counts the page objects, not the page tree above them, in both spellings', () => {
    assert.equal(pdfPages(pdfOf(1)), 1);
    assert.equal(pdfPages(pdfOf(7)), 7);
  });

  it('gives nothing when no page object is in sight (compressed object streams)', () => {
    const compressed = Buffer.from(
      '%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /N 40 /Length 9 >>\nstream\nxxxxxxxxx\nendstream\n%%EOF',
      'latin1',
    );
    assert.equal(pdfPages(compressed), undefined);
    assert.equal(pdfPages(Buffer.from('no pdf at all')), undefined);
  });

  it('does not read past the end of a PDF cut after /Type', () => {
    assert.equal(pdfPages(Buffer.from('%PDF-1.4 << /Type /Pa', 'latin1')), undefined);
  });
});
