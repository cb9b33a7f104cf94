/**
 * What `npm start` runs: turns on Node's compile cache (V8's compiled code of every module, kept
 * in the system's temporary folder and reused by the next start), then starts the server. The
 * cache must be on before the modules load, hence this file before `main.ts`.
 */

import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./main.ts');
