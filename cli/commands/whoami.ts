/**
 * `secretm whoami`: the profile, endpoint and key in use (by its id, never the key), and what the API
 * says of the caller (`GET /v1/me`, which any valid key may ask): tenant, scopes, rules, name, expiry.
 */
import { operatorKeyId, parseApiKey } from '../../shared/auth/api-key-format.ts';
import type { Context } from '../context.ts';
import { configPath } from '../lib/config.ts';

export async function run(ctx: Context): Promise<void> {
  const settings = await ctx.settings();
  const api = await ctx.api();
  const { id } = parseApiKey(settings.key);
  const me = (await api.call('whoAmI', { query: {} })).body;
  const facts = {
    profile: settings.profile,
    config: configPath(),
    endpoint: settings.endpoint,
    endpointFrom: settings.endpointFrom,
    keyId: id,
    keyFrom: settings.keyFrom,
    operator: me.operator,
    ...(me.keyName ? { name: me.keyName } : {}),
    tenant: me.tenant,
    scopes: me.scopes,
    ...(me.rules ? { rules: me.rules } : {}),
    ...(me.expiresAt ? { expiresAt: me.expiresAt } : {}),
    canReadSecrets: me.scopes.includes('read'),
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
  if (me.keyName) rows.push(['name', me.keyName]);
  rows.push(['tenant', me.tenant], ['scopes', me.scopes.join(', ') || 'none']);
  if (me.rules) rows.push(['rules', `${me.rules.length} (secretm whoami --json shows them)`]);
  if (me.expiresAt) rows.push(['expires', me.expiresAt]);
  rows.push(['reads secrets', facts.canReadSecrets ? 'yes' : 'no (the key lacks the read scope)']);
  ctx.out.pairs(rows);
}
