/**
 * The words of a search as a person typed it, shared by both stores: split on white space, and a
 * "word" with no letter or digit (`-`, `(`) dropped, since no index holds it and it would make
 * every search that contains it find nothing.
 */
export function searchWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word));
}
