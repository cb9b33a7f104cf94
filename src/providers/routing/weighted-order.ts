/**
 * A random order of weighted items where each item comes first with a chance proportional to its
 * weight (Efraimidis–Spirakis: sort by `random ** (1 / weight)`, largest first).
 * @example weightedOrder([{ weight: 3 }, { weight: 1 }]) // the first item leads 3 times in 4
 */
export function weightedOrder<T extends { readonly weight: number }>(
  items: readonly T[],
  random: () => number = Math.random,
): T[] {
  if (items.length < 2) return [...items];
  return items
    .map((item) => ({ item, key: random() ** (1 / item.weight) }))
    .sort((a, b) => b.key - a.key)
    .map(({ item }) => item);
}
