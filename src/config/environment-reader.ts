/**
 * Reads typed values from the environment for `loadConfig` and for each provider's definition
 * (`src/providers/<name>/definition.ts`): a bad value becomes a problem that names the variable, never
 * its value (it may hold a key or a password).
 */

export type Environment = Readonly<Record<string, string | undefined>>;

/** Reads typed values from the environment, recording a problem per bad variable. */
export class EnvironmentReader {
  readonly #environment: Environment;
  readonly #problems: string[];

  constructor(environment: Environment, problems: string[]) {
    this.#environment = environment;
    this.#problems = problems;
  }

  /** A set, non-blank value, trimmed; `undefined` when unset or blank. */
  string(name: string): string | undefined {
    const value = this.#environment[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** An integer in range, or undefined when unset. */
  optionalInteger(name: string, min: number, max: number): number | undefined {
    return this.string(name) === undefined ? undefined : this.integer(name, min, min, max);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.#problems.push(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  /** A secret of at least `minLength` characters; the message never repeats the value. */
  secret(name: string, minLength: number): string | undefined {
    const value = this.string(name);
    if (value !== undefined && value.length < minLength) {
      this.#problems.push(`${name}: must be at least ${minLength} characters long`);
      return undefined;
    }
    return value;
  }

  /** A comma-separated list of `http(s)://host[:port]` origins, or `*`. */
  origins(name: string): string[] {
    const raw = this.string(name);
    if (raw === undefined) return [];
    const origins = raw
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '');
    for (const origin of origins) {
      const parsed = origin === '*' ? null : URL.parse(origin);
      if (
        origin !== '*' &&
        (parsed === null || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin)
      ) {
        this.#problems.push(`${name}: "${origin}" is not an origin like https://chat.example.com (or *)`);
        return [];
      }
    }
    return origins;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.#problems.push(`${name}: expected true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const match = allowed.find((candidate) => candidate === raw);
    if (match === undefined)
      this.#problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
    return match ?? fallback;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const parsed = URL.parse(raw);
    if (parsed === null || !protocols.includes(parsed.protocol)) {
      // The value may hold credentials: name the variable, not the value.
      this.#problems.push(`${name}: expected a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
      return undefined;
    }
    return raw;
  }
}
