/**
 * The web UI: `GET /` is the chat page, `/ui/*` its scripts, style and icon — plain static files
 * from `./public` (no build step) and, under `/ui/vendor/`, the libraries it imports, read from
 * their npm packages (see `vendor-files.ts`) — all read by @fastify/static with an ETag and `max-age=0`, so a
 * browser revalidates and gets a 304 until a file changes. The page talks only to `/api` and
 * `/v1/models`; both stay behind the API key while these files are open (see `auth.ts`).
 */

import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { VENDOR_FILES } from './vendor-files.ts';

/** Where the assets are, beside this module: `npm run build` copies them next to the compiled one. */
export const WEB_PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** The pages and their files: the chat, sign-in and administration pages (`auth.ts` leaves them open). */
export const WEB_PAGES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/signin': 'signin.html',
  '/admin': 'admin.html',
};

/** The prefix of the page's assets; `auth.ts` leaves it open. */
export const WEB_ASSET_PREFIX = '/ui/';

/** Scripts, styles, fetches and images from this origin only: no inline code, no other host. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // blob: for thumbnails: of files attached in the page, and of stored attachments, which the page
  // fetches with its API key (an <img src> could not send it). Nothing remote.
  "img-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export async function webRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    done();
  });
  await app.register(fastifyStatic, {
    root: WEB_PUBLIC_DIR,
    prefix: WEB_ASSET_PREFIX,
    // One route per file found at start: any other path is the app's plain 404.
    wildcard: false,
    index: false,
    maxAge: 0,
  });
  for (const [path, file] of Object.entries(WEB_PAGES))
    app.get(path, { schema: { hide: true } }, (_request, reply) => reply.sendFile(file));
  for (const vendor of VENDOR_FILES) {
    app.get(`${WEB_ASSET_PREFIX}vendor/${vendor.name}`, { schema: { hide: true } }, (_request, reply) =>
      reply.sendFile(vendor.file, vendor.root),
    );
  }
}
