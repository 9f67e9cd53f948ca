/** `secretm logout`: remove the profile (its endpoint and key) from the config file. */
import type { Context } from '../context.ts';
import { configPath, profileName, readConfig, writeConfig } from '../lib/config.ts';
import { usageError } from '../lib/errors.ts';

export async function run(ctx: Context): Promise<void> {
  const path = configPath();
  const config = await readConfig(path);
  const name = profileName(ctx.profileFlag, config);
  if (!config.profiles[name]) throw usageError(`there is no profile ${name}`);
  delete config.profiles[name];
  if (config.defaultProfile === name) delete config.defaultProfile;
  await writeConfig(config, path);
  if (ctx.out.json) ctx.out.data({ profile: name, removed: true });
  else ctx.out.success(`Logged out: profile ${name} removed from ${path}`);
}
