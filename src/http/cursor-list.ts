/** A page of a cursor list as OpenAI shapes it (and the native API copies): `{object: "list", ...}`. */
export function cursorList<T extends { readonly id: string }>(data: readonly T[], hasMore: boolean) {
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}
