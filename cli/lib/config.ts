/**
 * Profiles: an endpoint and a key under a name, in one JSON file that only its owner may read
 * (`$SECRETM_CONFIG`, else `$XDG_CONFIG_HOME/secretm/config.json`, else `~/.config/secretm/config.json`).
 * The file is written whole with mode 0600 and renamed into place; a file that others may read is
 * refused (as ssh refuses a private key), since the key in it may already have been read.
 *
 * What a command uses: `SECRETM_ENDPOINT` and `SECRETM_API_KEY` override everything (CI); otherwise
 * the profile named by `--profile`, `SECRETM_PROFILE`, the file's default, or `default`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, exitCodes, usageError } from './errors.ts';

export interface Profile {
  endpoint: string;
  key: string;
}

export interface ConfigFile {
  defaultProfile?: string;
  profiles: Record<string, Profile>;
}

export interface Settings {
  profile: string;
  endpoint: string;
  key: string;
  /** Where each came from, for `whoami`. */
  endpointFrom: 'SECRETM_ENDPOINT' | 'profile';
  keyFrom: 'SECRETM_API_KEY' | 'profile';
}

export const localEndpoint = 'http://127.0.0.1:8765';

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SECRETM_CONFIG) return env.SECRETM_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'secretm', 'config.json');
}

export async function readConfig(path = configPath()): Promise<ConfigFile> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw error;
  }
  if ((mode & 0o077) !== 0) {
    throw new CliError(
      `${path} may be read by others (mode ${(mode & 0o777).toString(8)}); its keys may have been read`,
      exitCodes.usage,
      `make it yours only with \`chmod 600 ${path}\` (and consider replacing the keys in it)`,
    );
  }
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<ConfigFile>;
    return { ...parsed, profiles: parsed.profiles ?? {} };
  } catch {
    throw usageError(`${path} is not valid JSON`, 'fix it, or remove it and run `secretm login` again');
  }
}

export async function writeConfig(config: ConfigFile, path = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export function profileName(flag: string | undefined, config: ConfigFile, env = process.env): string {
  return flag || env.SECRETM_PROFILE || config.defaultProfile || 'default';
}

/** The endpoint and key a command talks with. */
export async function resolveSettings(profileFlag: string | undefined, env = process.env): Promise<Settings> {
  const config = await readConfig(configPath(env));
  const name = profileName(profileFlag, config, env);
  const profile = config.profiles[name];
  const endpoint = env.SECRETM_ENDPOINT || profile?.endpoint;
  const key = env.SECRETM_API_KEY || profile?.key;
  if (!endpoint || !key) {
    const named = profileFlag || env.SECRETM_PROFILE;
    throw new CliError(
      named && !profile ? `there is no profile ${name}` : 'not logged in',
      exitCodes.usage,
      `run \`secretm login${name === 'default' ? '' : ` --profile ${name}`}\`, or set SECRETM_ENDPOINT and SECRETM_API_KEY`,
    );
  }
  return {
    profile: name,
    endpoint: endpoint.replace(/\/+$/, ''),
    key,
    endpointFrom: env.SECRETM_ENDPOINT ? 'SECRETM_ENDPOINT' : 'profile',
    keyFrom: env.SECRETM_API_KEY ? 'SECRETM_API_KEY' : 'profile',
  };
}
