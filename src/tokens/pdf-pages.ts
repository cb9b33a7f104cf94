/**
 * How many pages a PDF has, counted from its page objects (`/Type /Page`) without parsing it.
 * Undefined when none is in sight: a PDF that keeps its objects in compressed object streams
 * hides them, and the caller estimates from the size instead.
 */

const TYPE = Buffer.from('/Type');
const PAGE = Buffer.from('/Page');
const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const isNameCharacter = (byte: number | undefined) =>
  byte !== undefined &&
  ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a));

const counted = new WeakMap<Uint8Array, number | undefined>();

export function pdfPages(data: Uint8Array): number | undefined {
  if (counted.has(data)) return counted.get(data);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pages = 0;
  for (let at = bytes.indexOf(TYPE); at !== -1; at = bytes.indexOf(TYPE, at + TYPE.length)) {
    let name = at + TYPE.length;
    while (WHITESPACE.has(bytes[name] ?? -1)) name += 1;
    // `/Page` itself, not `/Pages` (the tree above the pages).
    const end = name + PAGE.length;
    if (
      end <= bytes.length &&
      bytes.compare(PAGE, 0, PAGE.length, name, end) === 0 &&
      !isNameCharacter(bytes[end])
    )
      pages += 1;
  }
  const result = pages === 0 ? undefined : pages;
  counted.set(data, result);
  return result;
}
