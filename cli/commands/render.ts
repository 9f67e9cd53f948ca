/** `secretm render FILE`: the template with its {{secrets.NAME.KEY}} references filled in by the API. */
import { writeFile } from 'node:fs/promises';
import type { Context } from '../context.ts';
import { readStdin, readTextFile } from '../lib/input.ts';

export async function run(ctx: Context, [template]: [string], options: { output?: string }): Promise<void> {
  const text = template === '-' ? await readStdin() : await readTextFile(template);
  const { body } = await (await ctx.api()).call('renderTemplate', { body: { template: text } });
  if (options.output) {
    await writeFile(options.output, body.rendered, { mode: 0o600 });
    if (ctx.out.json) ctx.out.data({ output: options.output });
    else ctx.out.success(`Rendered ${template} to ${options.output} (mode 0600)`);
    return;
  }
  if (ctx.out.json) return ctx.out.data(body);
  ctx.out.write(body.rendered);
}
