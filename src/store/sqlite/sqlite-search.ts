/**
 * Search on SQLite, bounded: for each word, FTS5 reads the owner's matches only (every index entry
 * carries its owner as a token) newest first, and stops after `SEARCH_MATCHES` messages and as many
 * titles. Grouping, ordering and the limit then work on those rows alone.
 */

import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { SEARCH_MATCHES, searchWords } from '../search-words.ts';
import type { MessageRole, SearchHit } from '../store.ts';
import { nullableString } from './sqlite-values.ts';

/** The owner's token in the search index, as SQL over an owner column (see the migration). */
export const OWNER_TAG_OF = (column: string) => `'o' || lower(hex(${column}))`;

/** The same token, made here: 'o' and the owner's UTF-8 bytes in hex. */
function ownerTag(owner: string): string {
  return `o${Buffer.from(owner, 'utf8').toString('hex')}`;
}

// ?1 the FTS query (owner and words), ?2 the owner (checked again on the row), ?3 the bound.
const MESSAGE_MATCHES = `
  SELECT messages_fts.rowid AS row, 'message' AS kind, m.id AS message_id, m.role, m.created_at,
    c.id AS conversation_id, c.title, c.updated_at,
    snippet(messages_fts, 1, '<mark>', '</mark>', '…', 16) AS snippet
  FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
  WHERE messages_fts MATCH ?1 AND m.deleted_at IS NULL AND c.owner = ?2 AND c.deleted_at IS NULL
  ORDER BY messages_fts.rowid DESC LIMIT ?3`;
const TITLE_MATCHES = `
  SELECT titles_fts.rowid AS row, 'title' AS kind, NULL AS message_id, NULL AS role, c.created_at,
    c.id AS conversation_id, c.title, c.updated_at, highlight(titles_fts, 1, '<mark>', '</mark>') AS snippet
  FROM titles_fts JOIN conversations c ON c.rowid = titles_fts.rowid
  WHERE titles_fts MATCH ?1 AND c.owner = ?2 AND c.deleted_at IS NULL
  ORDER BY titles_fts.rowid DESC LIMIT ?3`;

export type SearchStatements = ReturnType<typeof prepareSearchStatements>;

export function prepareSearchStatements(database: DatabaseSync) {
  return {
    messageMatches: database.prepare(MESSAGE_MATCHES),
    titleMatches: database.prepare(TITLE_MATCHES),
  };
}

/** A title or message that holds a word, as read from the index. */
interface Piece {
  readonly hit: SearchHit;
  readonly row: number;
  readonly updatedAt: number;
}

/**
 * The owner's hits for `text` (see `Store.search`), among the newest `SEARCH_MATCHES` matching
 * messages and titles of each word.
 */
export function searchOwner(
  statements: SearchStatements,
  owner: string,
  text: string,
  limit: number,
): SearchHit[] {
  const phrases = toFtsPhrases(text);
  if (phrases.length === 0) return [];
  const tag = `owner : "${ownerTag(owner)}"`;
  // Each word is read on its own; the others are in the query too, so that snippets mark them.
  const others = phrases.length === 1 ? '' : ` AND (${phrases.join(' OR ')})`;
  const found = phrases.map((phrase) => {
    const words = `(${phrase}${others})`;
    return [
      ...statements.titleMatches.all(`${tag} AND title : ${words}`, owner, SEARCH_MATCHES),
      ...statements.messageMatches.all(`${tag} AND content : ${words}`, owner, SEARCH_MATCHES),
    ].map(toPiece);
  });
  return pickHits(found, limit);
}

/**
 * A conversation matches when every word found its title or one of its messages; its hits are
 * all its pieces. Title hits first, then the most recently updated; within one conversation, the
 * title, then the messages by rank (the newest first among equals).
 */
function pickHits(found: readonly (readonly Piece[])[], limit: number): SearchHit[] {
  const wordsFound = new Map<string, Set<number>>();
  found.forEach((pieces, word) => {
    for (const { hit } of pieces) {
      const words = wordsFound.get(hit.conversationId) ?? new Set<number>();
      wordsFound.set(hit.conversationId, words.add(word));
    }
  });
  const pieces = new Map<string, Piece>();
  for (const piece of found.flat()) {
    if (wordsFound.get(piece.hit.conversationId)?.size === found.length)
      pieces.set(`${piece.hit.kind}:${piece.row}`, piece);
  }
  const titleHits = new Set(
    [...pieces.values()].filter(({ hit }) => hit.kind === 'title').map(({ hit }) => hit.conversationId),
  );
  const order = (a: Piece, b: Piece): number =>
    Number(titleHits.has(b.hit.conversationId)) - Number(titleHits.has(a.hit.conversationId)) ||
    b.updatedAt - a.updatedAt ||
    (a.hit.conversationId < b.hit.conversationId
      ? -1
      : a.hit.conversationId > b.hit.conversationId
        ? 1
        : 0) ||
    Number(b.hit.kind === 'title') - Number(a.hit.kind === 'title') ||
    a.hit.rank - b.hit.rank ||
    b.row - a.row;
  return [...pieces.values()]
    .sort(order)
    .slice(0, limit)
    .map(({ hit }) => hit);
}

function toPiece(row: Record<string, SQLOutputValue>): Piece {
  const snippet = String(row.snippet);
  return {
    row: Number(row.row),
    updatedAt: Number(row.updated_at),
    hit: {
      kind: row.kind === 'title' ? 'title' : 'message',
      conversationId: String(row.conversation_id),
      conversationTitle: nullableString(row.title),
      messageId: nullableString(row.message_id),
      role: row.role === null ? null : (String(row.role) as MessageRole),
      snippet,
      // The marked words in the snippet, more is better (bm25 would read every match in the index).
      rank: -(snippet.split('<mark>').length - 1),
      createdAt: Number(row.created_at),
    },
  };
}

/**
 * A person's words as FTS5 phrases: every word quoted (so no word is read as syntax), the last one
 * a prefix so results come while typing.
 */
export function toFtsPhrases(text: string): string[] {
  const words = searchWords(text);
  return words.map(
    (word, index) => `"${word.replaceAll('"', '""')}"${index === words.length - 1 ? '*' : ''}`,
  );
}
