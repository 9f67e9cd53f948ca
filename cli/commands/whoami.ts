/**
 * `secretm whoami`: the profile, endpoint and key in use (by its id, never the key), checked against the
 * API. The API has no route that describes the caller, so tenant, scopes and rules are shown when the
 * key may list keys (admin) and finds itself there.
 */
import { operatorKeyId, parseApiKey } from '../../shared/auth/api-key-format.ts';
import type { Context } from '../context.ts';
import { configPath } from '../lib/config.ts';
import { CliError } from '../lib/errors.ts';

export async function run(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  const api = await ctx.api();
  const { id } = parseApiKey(settings.key);
  let canRead = true;
  try {
    await api.call('listSecrets', { query: { limit: 1 } });
  } catch (error) {
    if (!(error instanceof CliError && error.api?.status === 403)) throw error;
    canRead = false;
  }
  const record = id === operatorKeyId ? undefined : await findOwnKey(ctx, id);
  const facts = {
    profile: settings.profile,
    config: configPath(),
    endpoint: settings.endpoint,
    endpointFrom: settings.endpointFrom,
    keyId: id,
    keyFrom: settings.keyFrom,
    operator: id === operatorKeyId,
    ...(record
      ? {
          name: record.name,
          tenant: record.tenant,
          scopes: record.scopes,
          ...(record.rules ? { rules: record.rules } : {}),
          ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
        }
      : {}),
    canReadSecrets: canRead,
  };
  if (ctx.out.json) return ctx.out.data(facts);
  const rows: [string, string][] = [
    [
      'profile',
      `${settings.profile}${settings.endpointFrom === 'profile' || settings.keyFrom === 'profile' ? ` (${facts.config})` : ''}`,
    ],
    [
      'endpoint',
      `${settings.endpoint}${settings.endpointFrom === 'SECRETM_ENDPOINT' ? ' (from SECRETM_ENDPOINT)' : ''}`,
    ],
    [
      'key',
      `${id === operatorKeyId ? 'the operator key (may create keys for any tenant)' : id}${settings.keyFrom === 'SECRETM_API_KEY' ? ' (from SECRETM_API_KEY)' : ''}`,
    ],
  ];
  if (record) {
    rows.push(['name', record.name], ['tenant', record.tenant], ['scopes', record.scopes.join(', ')]);
    if (record.rules) rows.push(['rules', `${record.rules.length} (secretm whoami --json shows them)`]);
    if (record.expiresAt) rows.push(['expires', record.expiresAt]);
  } else if (id !== operatorKeyId) {
    rows.push(['scopes', 'not shown: only a key with the admin scope can list keys']);
  }
  rows.push(['reads secrets', canRead ? 'yes' : 'no (the key lacks the read scope)']);
  ctx.out.pairs(rows);
}

async function findOwnKey(ctx: Context, id: string) {
  const api = await ctx.api();
  let cursor: string | undefined;
  try {
    do {
      const page = await api.call('listApiKeys', { query: { limit: 100, ...(cursor ? { cursor } : {}) } });
      const found = page.body.items.find((item) => item.id === id);
      if (found) return found;
      cursor = page.body.cursor;
    } while (cursor);
  } catch (error) {
    if (error instanceof CliError && error.api?.status === 403) return undefined;
    throw error;
  }
  return undefined;
}
