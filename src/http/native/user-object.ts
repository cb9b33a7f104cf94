/** A user as the native API shows it: never a password hash. Times are Unix seconds. */

import { Type } from 'typebox';
import type { UserRecord } from '../../store/access-store.ts';

export const UserObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('user'),
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  email: Type.Union([Type.String(), Type.Null()]),
  has_password: Type.Boolean(),
  single_sign_on: Type.Boolean(),
  disabled: Type.Boolean(),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
});

export function toUserObject(user: UserRecord) {
  return {
    id: user.id,
    object: 'user' as const,
    name: user.name,
    role: user.role,
    email: user.email,
    has_password: user.passwordHash !== null,
    single_sign_on: user.externalIssuer !== null,
    disabled: user.disabledAt !== null,
    created_at: Math.floor(user.createdAt / 1000),
    updated_at: Math.floor(user.updatedAt / 1000),
  };
}
