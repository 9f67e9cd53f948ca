/** What every command receives: output, and the API client of the profile in use (made on first use). */
import type { Command } from 'commander';
import { ApiClient } from './api/client.ts';
import { resolveSettings, type Settings } from './lib/config.ts';
import { Output } from './lib/output.ts';
import { cliVersion } from './version.ts';

export interface GlobalOptions {
  profile?: string;
  json?: boolean;
}

export interface Context {
  out: Output;
  /** The --profile flag, when given. */
  profileFlag: string | undefined;
  settings(): Promise<Settings>;
  api(): Promise<ApiClient>;
  /** The command tree (for completion scripts). */
  program: Command;
}

export const userAgent = `secretm-cli/${cliVersion} node/${process.versions.node}`;

export function createContext(options: GlobalOptions, program: Command): Context {
  let settings: Promise<Settings> | undefined;
  let client: Promise<ApiClient> | undefined;
  const context: Context = {
    out: new Output(options.json === true),
    profileFlag: options.profile,
    program,
    settings: () => {
      settings ??= resolveSettings(options.profile);
      return settings;
    },
    api: () => {
      client ??= context
        .settings()
        .then((found) => new ApiClient({ endpoint: found.endpoint, key: found.key, userAgent }));
      return client;
    },
  };
  return context;
}
