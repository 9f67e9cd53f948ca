/**
 * `secretm keys rotate-operator`: a new operator key; the old one stops working at once. When the key in
 * use came from a profile, the profile gets the new key (else the CLI would be locked out); when it came
 * from SECRETM_API_KEY, the new key is printed on stdout, this once, for the caller to store.
 */
import type { Context } from '../../context.ts';
import { configPath, readConfig, writeConfig } from '../../lib/config.ts';

export async function run(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  const { body } = await (await ctx.api()).call('rotateOperatorKey');
  if (settings.keyFrom === 'profile') {
    const path = configPath();
    const config = await readConfig(path);
    const profile = config.profiles[settings.profile];
    if (profile) {
      profile.key = body.key;
      await writeConfig(config, path);
      if (ctx.out.json)
        return ctx.out.data({ id: body.id, savedIn: { profile: settings.profile, config: path } });
      ctx.out.note(
        `${ctx.out.style('green', '✓', 'err')} Rotated the operator key; profile ${settings.profile} holds the new one (${path}). The old key no longer works.`,
      );
      return;
    }
  }
  if (ctx.out.json) return ctx.out.data(body);
  ctx.out.line(body.key);
  ctx.out.note(
    'Rotated the operator key; the new one is above, shown this once. The old key no longer works.',
  );
}
