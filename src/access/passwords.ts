/**
 * Passwords: argon2id through `@node-rs/argon2` (a prebuilt native binary per platform, no install
 * script), with its defaults (19 MiB, 2 passes: OWASP's minimum). A sign-in for a name that does
 * not exist still verifies against a stand-in hash, so the answer takes as long either way.
 */

import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { badRequest } from '../errors.ts';

/** `Algorithm.Argon2id`: the package's enum is a `const enum`, which isolated modules cannot read. */
const ARGON2ID = 2 as Algorithm;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1_000;

/** Hashed once, on first use: what an unknown name's password is checked against. */
let standIn: Promise<string> | undefined;

export function checkPassword(password: string, param = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw badRequest(`a password has at least ${MIN_PASSWORD_LENGTH} characters`, param);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw badRequest(`a password has at most ${MAX_PASSWORD_LENGTH} characters`, param);
}

/** An argon2id PHC string for a password that passed `checkPassword`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** True when `password` matches `passwordHash`; a null hash (no password set) never matches. */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    standIn ??= hashPassword('stand-in password for unknown names');
    await verify(await standIn, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
