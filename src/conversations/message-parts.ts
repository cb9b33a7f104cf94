/** The store's helpers for a message's parts, as the layers above the core use them. */

export { attachmentsOf, textOfParts, textParts } from '../store/parts.ts';
