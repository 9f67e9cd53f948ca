/**
 * Makes a fresh OpenBao dev server ready for secretm connections, as an operator would with the root
 * token: AppRole at `auth/approle`, a `database` mount on a PostgreSQL with a role `app` whose
 * credentials are new login roles, and one AppRole, `secretm`, whose tokens carry only the policy
 * secretm documents for the dev server's KV v2 mount `secret/` and for that database role.
 */

export interface OpenBaoPeer {
  address: string;
  rootToken: string;
}

export interface PostgresPeer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface OpenBaoSetup {
  kvMount: string;
  databaseMount: string;
  databaseRole: string;
  roleId: string;
  secretId: string;
}

const kvMount = 'secret';
const databaseMount = 'database';
const databaseRole = 'app';

/** KV v2 under `secret/`, and dynamic credentials of `database/creds/app` (renewed and revoked by lease). */
export const secretmPolicy = `
path "${kvMount}/data/*" { capabilities = ["create", "read", "update", "patch", "delete"] }
path "${kvMount}/metadata/*" { capabilities = ["read", "list", "patch", "update", "delete"] }
path "${kvMount}/metadata" { capabilities = ["list"] }
path "${kvMount}/delete/*" { capabilities = ["update"] }
path "${kvMount}/undelete/*" { capabilities = ["update"] }
path "${databaseMount}/creds/${databaseRole}" { capabilities = ["read"] }
path "${databaseMount}/roles/*" { capabilities = ["read"] }
path "${databaseMount}/roles" { capabilities = ["list"] }
path "sys/leases/renew" { capabilities = ["update"] }
path "sys/leases/revoke" { capabilities = ["update"] }
`;

export async function setUpOpenBao(bao: OpenBaoPeer, postgres: PostgresPeer): Promise<OpenBaoSetup> {
  const call = (path: string, body?: unknown) => rootCall(bao, path, body);
  await call('sys/auth/approle', { type: 'approle' });
  await call(`sys/mounts/${databaseMount}`, { type: 'database' });
  await call(`${databaseMount}/config/postgres`, {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${postgres.host}:${postgres.port}/${postgres.database}?sslmode=disable`,
    username: postgres.user,
    password: postgres.password,
    allowed_roles: [databaseRole],
  });
  await call(`${databaseMount}/roles/${databaseRole}`, {
    db_name: 'postgres',
    creation_statements: [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    ],
    default_ttl: '1h',
    max_ttl: '24h',
  });
  await call('sys/policies/acl/secretm', { policy: secretmPolicy });
  await call('auth/approle/role/secretm', {
    token_policies: ['secretm'],
    token_ttl: '1h',
    token_max_ttl: '24h',
  });
  const roleId = String((await call('auth/approle/role/secretm/role-id')).data?.role_id);
  const secretId = String((await call('auth/approle/role/secretm/secret-id', {})).data?.secret_id);
  return { kvMount, databaseMount, databaseRole, roleId, secretId };
}

async function rootCall(
  bao: OpenBaoPeer,
  path: string,
  body?: unknown,
): Promise<{ data?: Record<string, unknown> }> {
  const response = await fetch(`${bao.address}/v1/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'X-Vault-Token': bao.rootToken, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    redirect: 'manual',
  });
  const text = await response.text();
  if (!response.ok) {
    // OpenBao's error bodies name the path and the reason, never a credential.
    throw new Error(`OpenBao set-up: ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return text ? (JSON.parse(text) as { data?: Record<string, unknown> }) : {};
}
