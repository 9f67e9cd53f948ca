/**
 * Set-up for the hashicorp-vault tests on the shared OpenBao dev server: mounts, policies and AppRoles
 * made with the root token over the plain HTTP API, each with a fresh random name so test files never
 * see each other's secrets.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

export interface RootCall {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST';
  body?: unknown;
  namespace?: string;
  token?: string;
}

/** The parts of OpenBao's JSON answers the tests read. */
export interface BaoBody {
  data?: Record<string, unknown>;
  auth?: { client_token: string; lease_duration: number; renewable: boolean };
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  errors?: string[];
}

/** A call to OpenBao's HTTP API as root (or with `token`). Answers status and parsed body. */
export async function baoApi(path: string, call: RootCall = {}): Promise<{ status: number; body: BaoBody }> {
  const headers: Record<string, string> = {
    'X-Vault-Token': call.token ?? inject('openbaoRootToken'),
    'Content-Type': 'application/json',
  };
  if (call.namespace) headers['X-Vault-Namespace'] = call.namespace;
  const response = await fetch(`${inject('openbaoAddress')}/v1/${path}`, {
    method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as BaoBody) : {} };
}

/** Like baoApi, but throws on any status of 300 and up, naming the path. */
export async function baoOk(path: string, call: RootCall = {}): Promise<BaoBody> {
  const { status, body } = await baoApi(path, call);
  if (status >= 300)
    throw new Error(`OpenBao set-up call ${path} answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function enableKvV2(namespace?: string): Promise<string> {
  const mount = uniqueName('kv');
  await baoOk(`sys/mounts/${mount}`, {
    body: { type: 'kv', options: { version: '2' } },
    ...(namespace ? { namespace } : {}),
  });
  return mount;
}

/** Enables AppRole at auth/approle once (other test files may have enabled it already). */
export async function ensureAppRole(namespace?: string): Promise<void> {
  const { status, body } = await baoApi('sys/auth/approle', {
    body: { type: 'approle' },
    ...(namespace ? { namespace } : {}),
  });
  if (status >= 300 && !/already in use/.test(JSON.stringify(body))) {
    throw new Error(`could not enable AppRole: ${status} ${JSON.stringify(body)}`);
  }
}

/** The policy secretm documents for a KV v2 mount: everything under the mount, nothing else. */
export function kvPolicy(mount: string): string {
  return `
path "${mount}/data/*" { capabilities = ["create", "read", "update", "patch", "delete"] }
path "${mount}/metadata/*" { capabilities = ["read", "list", "patch", "update", "delete"] }
path "${mount}/metadata" { capabilities = ["list"] }
path "${mount}/delete/*" { capabilities = ["update"] }
path "${mount}/undelete/*" { capabilities = ["update"] }
`;
}

export interface AppRoleCredentials {
  roleId: string;
  secretId: string;
  role: string;
}

/** A new AppRole whose tokens carry only `policy` (plus default), with optional token TTLs. */
export async function appRoleWithPolicy(
  policy: string,
  options: { tokenTtl?: string; tokenMaxTtl?: string; namespace?: string } = {},
): Promise<AppRoleCredentials> {
  const ns = options.namespace ? { namespace: options.namespace } : {};
  await ensureAppRole(options.namespace);
  const name = uniqueName('secretm');
  await baoOk(`sys/policies/acl/${name}`, { body: { policy }, ...ns });
  await baoOk(`auth/approle/role/${name}`, {
    body: {
      token_policies: [name],
      ...(options.tokenTtl ? { token_ttl: options.tokenTtl } : {}),
      ...(options.tokenMaxTtl ? { token_max_ttl: options.tokenMaxTtl } : {}),
    },
    ...ns,
  });
  const roleId = String((await baoOk(`auth/approle/role/${name}/role-id`, ns)).data?.role_id);
  const secretId = String(
    (await baoOk(`auth/approle/role/${name}/secret-id`, { body: {}, ...ns })).data?.secret_id,
  );
  return { roleId, secretId, role: name };
}

export interface DatabaseEngine {
  mount: string;
  role: string;
  credentials: AppRoleCredentials;
}

/** A database mount wired to the test PostgreSQL, and a role on it whose credentials are new login roles. */
export async function databaseMount(
  options: { maxTtl?: string } = {},
): Promise<{ mount: string; role: string }> {
  const mount = uniqueName('database');
  const role = uniqueName('app');
  await baoOk(`sys/mounts/${mount}`, { body: { type: 'database' } });
  await baoOk(`${mount}/config/postgres`, {
    body: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${inject('postgresHost')}:${inject('postgresPort')}/${inject('postgresDatabase')}?sslmode=disable`,
      username: inject('postgresUser'),
      password: inject('postgresPassword'),
      allowed_roles: [role],
    },
  });
  await baoOk(`${mount}/roles/${role}`, {
    body: {
      db_name: 'postgres',
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      ],
      default_ttl: '1h',
      max_ttl: options.maxTtl ?? '2h',
    },
  });
  return { mount, role };
}

/** A database mount (see databaseMount) and an AppRole whose policy is `policy(mount)`, by default read-only on it. */
export async function databaseEngine(
  options: { maxTtl?: string; policy?: (mount: string) => string } = {},
): Promise<DatabaseEngine> {
  const { mount, role } = await databaseMount(options);
  const policy =
    options.policy?.(mount) ??
    `
path "${mount}/creds/*" { capabilities = ["read"] }
path "${mount}/roles/*" { capabilities = ["read"] }
path "${mount}/roles" { capabilities = ["list"] }
`;
  const credentials = await appRoleWithPolicy(policy);
  return { mount, role, credentials };
}
