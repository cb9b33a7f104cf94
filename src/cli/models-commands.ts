/**
 * `parley models list` (the GGUF files in `PARLEY_MODELS_DIR`, or with `--server` the models a
 * running server serves) and `parley models pull <hf:…>`: fetches a GGUF into the models
 * directory with the local provider's own downloader (progress bar with size, speed and time left;
 * an interrupted pull resumes where it stopped), then checks the file is a well-formed GGUF.
 */

import { writeSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError } from './cli-error.ts';
import { clientFor, wantsJson } from './global-options.ts';
import { formatBytes, printJson, printTable } from './output.ts';

/** What node-llama-cpp's downloader (ipull) names a file it is still fetching. */
const PARTIAL_SUFFIX = '.ipull';

/** `PARLEY_MODELS_DIR` as the server reads it, made absolute. */
async function modelsDirectory(): Promise<string> {
  const { DEFAULT_MODELS_DIR } = await import('../providers/local/definition.ts');
  const configured = process.env.PARLEY_MODELS_DIR;
  return resolve(configured === undefined || configured === '' ? DEFAULT_MODELS_DIR : configured);
}

interface ModelFile {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly complete: boolean;
}

async function modelFiles(directory: string): Promise<ModelFile[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CliError(`cannot read ${directory}: ${(error as Error).message}`);
  }
  const files: ModelFile[] = [];
  for (const name of names.sort()) {
    const complete = name.toLowerCase().endsWith('.gguf');
    if (!complete && !name.toLowerCase().endsWith(`.gguf${PARTIAL_SUFFIX}`)) continue;
    const path = join(directory, name);
    const info = await stat(path);
    if (info.isFile())
      files.push({
        name: complete ? name : name.slice(0, -PARTIAL_SUFFIX.length),
        path,
        size: info.size,
        complete,
      });
  }
  return files;
}

export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('list and fetch models');

  models
    .command('list')
    .description('list the GGUF files in PARLEY_MODELS_DIR (with --server: the models a server serves)')
    .option('--server', 'list the models the running server serves instead')
    .action(async (options: { server?: boolean }, command: Command) => {
      if (options.server === true) {
        const client = await clientFor(command);
        const list = await client.json<{ data: { id: string; owned_by?: string }[] }>('GET', '/v1/models');
        if (wantsJson(command)) return printJson(list);
        return printTable(
          ['model', 'owned by'],
          list.data.map((model) => [model.id, model.owned_by]),
        );
      }
      const directory = await modelsDirectory();
      const files = await modelFiles(directory);
      if (wantsJson(command)) {
        return printJson({
          object: 'list',
          directory,
          data: files.map((file) => ({
            name: file.name,
            path: file.path,
            size: file.size,
            complete: file.complete,
          })),
        });
      }
      if (files.length === 0) {
        process.stderr.write(
          `no models in ${directory}; fetch one with \`parley models pull hf:<owner>/<repo>:<quant>\`\n`,
        );
        return;
      }
      printTable(
        ['name', 'size', 'state', 'path'],
        files.map((file) => [
          file.name,
          formatBytes(file.size),
          file.complete ? 'ready' : 'partial',
          file.path,
        ]),
      );
    });

  models
    .command('pull')
    .description('fetch a GGUF model into PARLEY_MODELS_DIR (resumes an interrupted pull)')
    .argument('<uri>', 'hf:<owner>/<repo>:<quant>, hf:<owner>/<repo>/<file>.gguf or an https URL')
    .option('--quiet', 'no progress bar')
    .action(async (uri: string, options: { quiet?: boolean }, command: Command) => {
      const { defaultModelId, isModelUri, resolveModelPath } = await import(
        '../providers/local/resolve-model-path.ts'
      );
      const { ProviderError } = await import('../providers/spec.ts');
      if (!isModelUri(uri)) {
        throw new UsageError(`${uri} is not a model URI: use hf:<owner>/<repo>:<quant> or an https URL`);
      }
      const json = wantsJson(command);
      const directory = await modelsDirectory();
      // The downloader keeps its partial file when the process stops: say how to resume.
      const onInterrupt = () => {
        // Written straight to the file descriptor: the progress bar has hooked process.stderr.
        writeSync(2, '\nparley: pull interrupted; run the same command again to resume\n');
        process.exit(1);
      };
      process.prependListener('SIGINT', onInterrupt);
      let path: string;
      try {
        path = await resolveModelPath({
          modelPath: uri,
          cacheDir: directory,
          showProgress: !json && options.quiet !== true,
        });
      } catch (error) {
        if (error instanceof ProviderError) throw new CliError(error.message);
        throw error;
      } finally {
        process.off('SIGINT', onInterrupt);
      }
      const size = (await stat(path)).size;
      const model = defaultModelId(uri);
      if (json) return printJson({ model, path, size, checked: true });
      process.stdout.write(
        `${model}: ${path} (${formatBytes(size)}, checked: a well-formed GGUF)\n` +
          `serve it with PARLEY_LOCAL_MODEL=${uri} (or =${path})\n`,
      );
    });
}
