/** The native API's error shape, `{"error": {"code", "message"}}`, as the API reference describes it. */

import { Type } from 'typebox';
import { errorCodes } from '../../errors.ts';
import type { ErrorShape } from '../route-docs.ts';

export const NativeError = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ enum: Object.keys(errorCodes), description: 'A stable code (src/errors.ts)' }),
      message: Type.String({ description: 'What went wrong, safe to show' }),
    }),
  },
  { title: 'NativeError', description: "The native API's error, with the real HTTP status." },
);
export const nativeError: ErrorShape = {
  schema: NativeError,
  render: (code, message) => ({ error: { code, message } }),
};
