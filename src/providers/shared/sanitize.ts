/** Upstream error messages made safe to show: no key-shaped strings, one line, bounded. */

const MAX_MESSAGE_LENGTH = 500;
/** Upstreams echo (masked) keys in 401 messages, e.g. "Incorrect API key provided: sk-abc***xyz". */
const SECRET_PATTERN = /\b(?:sk|pk|rk|key|org)-[A-Za-z0-9_*.-]{4,}/g;

/** Removes anything shaped like a key and bounds the length. */
export function sanitizeUpstreamMessage(message: string): string {
  const clean = message.replace(SECRET_PATTERN, '[redacted]').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}…` : clean;
}
