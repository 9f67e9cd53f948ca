/**
 * `secretm keys create NAME --scope …`: a new API key, printed this once on stdout (only its hash is
 * stored); everything else about it goes to stderr, so `KEY=$(secretm keys create …)` holds the key alone.
 */
import { readFile } from 'node:fs/promises';
import type { Input } from '../../api/client.ts';
import type { Context } from '../../context.ts';
import { usageError } from '../../lib/errors.ts';

interface Options {
  scope: string[];
  rules?: string;
  tenant?: string;
  expires?: string;
}

type Body = Input<'createApiKey'>['body'];

export async function run(ctx: Context, [name]: [string], options: Options): Promise<void> {
  const body: Body = {
    name,
    scopes: [...new Set(options.scope)] as Body['scopes'],
    ...(options.rules ? { rules: await readRules(options.rules) } : {}),
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.expires ? { expiresAt: options.expires } : {}),
  };
  const { body: created } = await (await ctx.api()).call('createApiKey', { body });
  if (ctx.out.json) return ctx.out.data(created);
  ctx.out.line(created.key);
  ctx.out.note(
    `${ctx.out.style('green', '✓', 'err')} Created key ${created.id} (${created.name}) for tenant ${created.tenant} with ${created.scopes.join(', ')}; it is shown this once.`,
  );
}

/** A JSON array of rules, given inline or as a file. */
async function readRules(value: string): Promise<NonNullable<Body['rules']>> {
  const text = value.trimStart().startsWith('[')
    ? value
    : await readFile(value, 'utf8').catch(() => {
        throw usageError(`--rules: ${value} is neither a JSON array nor a file`);
      });
  try {
    const rules = JSON.parse(text) as unknown;
    if (!Array.isArray(rules)) throw new Error('not an array');
    return rules as NonNullable<Body['rules']>;
  } catch {
    throw usageError('--rules must be a JSON array of rules (docs/access.md)');
  }
}
