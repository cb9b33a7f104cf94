/**
 * The rules of a search shared by both stores: the words a person typed, and how many matches of
 * each word a search reads.
 */

/**
 * The words of a search as a person typed it: split on white space, and a "word" with no letter or
 * digit (`-`, `(`) dropped, since no index holds it and it would make every search that contains
 * it find nothing.
 */
export function searchWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word));
}

/**
 * How many of the owner's newest matching messages (and, apart, titles) a search reads for each
 * word: the bound on a search's work, whatever the store holds. A match older than the newest
 * `SEARCH_MATCHES` is not found; more specific words find it.
 */
export const SEARCH_MATCHES = 1_000;
