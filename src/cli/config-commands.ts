/**
 * `parley config set|get|path`: the user's settings file (user-config.ts) that gives every
 * command talking to a server its URL and key when no flag or variable does.
 */

import { Argument, type Command } from 'commander';
import { wantsJson } from './global-options.ts';
import { printJson } from './output.ts';
import {
  readUserConfig,
  USER_CONFIG_FIELDS,
  type UserConfigField,
  userConfigPath,
  writeUserConfig,
} from './user-config.ts';

const fieldArgument = () => new Argument('<field>', 'which setting').choices(USER_CONFIG_FIELDS);

export function registerConfigCommands(program: Command): void {
  const config = program
    .command('config')
    .description(`the CLI's own settings (url, key) in ${userConfigPath()}`);

  config
    .command('set')
    .description('save a setting')
    .addArgument(fieldArgument())
    .argument('<value>', 'its value')
    .action(async (field: UserConfigField, value: string) => {
      const path = userConfigPath();
      await writeUserConfig({ ...(await readUserConfig(path)), [field]: value }, path);
      process.stderr.write(`saved ${field} in ${path}\n`);
    });

  config
    .command('unset')
    .description('remove a setting')
    .addArgument(fieldArgument())
    .action(async (field: UserConfigField) => {
      const path = userConfigPath();
      const { [field]: _removed, ...rest } = await readUserConfig(path);
      await writeUserConfig(rest, path);
    });

  config
    .command('show')
    .description('print the settings (the key shortened) and where they are kept')
    .action(async (_options: unknown, command: Command) => {
      const path = userConfigPath();
      const settings = await readUserConfig(path);
      const shown = {
        path,
        url: settings.url ?? null,
        key: settings.key === undefined ? null : `${settings.key.slice(0, 14)}…`,
      };
      if (wantsJson(command)) return printJson(shown);
      process.stdout.write(`path  ${shown.path}\nurl   ${shown.url ?? '-'}\nkey   ${shown.key ?? '-'}\n`);
    });
}
