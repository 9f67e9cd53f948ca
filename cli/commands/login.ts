/** `secretm login`: read a key (never from an argument), check it against the endpoint, save the profile. */
import { ApiClient } from '../api/client.ts';
import { type Context, userAgent } from '../context.ts';
import { configPath, localEndpoint, profileName, readConfig, writeConfig } from '../lib/config.ts';
import { CliError, exitCodes, usageError } from '../lib/errors.ts';
import { prompt, readStdin } from '../lib/input.ts';

interface Options {
  endpoint?: string;
  default?: boolean;
}

export async function run(ctx: Context, _args: [], options: Options): Promise<void> {
  const endpoint = (options.endpoint ?? process.env.SECRETM_ENDPOINT ?? localEndpoint).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(endpoint))
    throw usageError(`--endpoint must be an http(s) URL, not ${endpoint}`);
  const key = await readKey();
  const api = new ApiClient({ endpoint, key, userAgent });
  await checkKey(api);
  const path = configPath();
  const config = await readConfig(path);
  const name = profileName(ctx.profileFlag, config);
  config.profiles[name] = { endpoint, key };
  if (options.default || Object.keys(config.profiles).length === 1) config.defaultProfile = name;
  await writeConfig(config, path);
  if (ctx.out.json) ctx.out.data({ profile: name, endpoint, config: path });
  else
    ctx.out.note(
      `${ctx.out.style('green', '✓', 'err')} Logged in to ${endpoint} as profile ${name} (saved in ${path})`,
    );
}

async function readKey(): Promise<string> {
  let key = process.env.SECRETM_API_KEY;
  if (!key && !process.stdin.isTTY) key = await readStdin();
  if (!key && process.stdin.isTTY) key = await prompt('API key', true);
  key = key?.trim();
  if (!key) {
    throw usageError(
      'no API key given',
      'paste it at the prompt, pipe it in (`secretm login < key.txt`), or set SECRETM_API_KEY',
    );
  }
  return key;
}

/**
 * A request every valid key is answered without 401: a key without the read scope gets 403, which still
 * proves the key; 401 is a key the API refused.
 */
async function checkKey(api: ApiClient): Promise<void> {
  try {
    await api.call('listSecrets', { query: { limit: 1 } });
  } catch (error) {
    if (error instanceof CliError && error.api?.status === 403) return;
    if (error instanceof CliError && error.api?.status === 401) {
      throw new CliError(
        `${api.endpoint} refused the key: ${error.message}`,
        exitCodes.forbidden,
        'check that the key is whole and current; nothing was saved',
        error.api,
      );
    }
    throw error;
  }
}
