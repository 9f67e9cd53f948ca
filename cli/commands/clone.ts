/** `secretm clone NAME NEW`: a copy of a secret's current value, on its connection or another. */
import type { Context } from '../context.ts';

export async function run(ctx: Context, [name, newName]: [string, string], options: { connection?: string }) {
  const { body } = await (await ctx.api()).call('cloneSecret', {
    params: { name },
    body: { name: newName, ...(options.connection ? { connection: options.connection } : {}) },
  });
  if (ctx.out.json) return ctx.out.data(body);
  ctx.out.success(`Cloned ${name} to ${body.name} on ${body.connection}`);
}
