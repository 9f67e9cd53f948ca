/**
 * The `POST /v1/connections` bodies for the peers `npm run peers` started, and the curl lines that send
 * them (with the README's `$SM` and `auth`). The credentials are the throw-away ones of those dev
 * servers on 127.0.0.1, printed so that they can be pasted.
 */
import type { OpenBaoSetup } from './openbao-setup.ts';

export interface Peers {
  motoEndpoint: string;
  motoCredentials: { accessKeyId: string; secretAccessKey: string };
  openBaoAddress: string;
  openBao: OpenBaoSetup;
}

export interface ConnectionBody {
  /** What it is, for the line above it. */
  title: string;
  body: {
    name: string;
    kind: 'aws-secrets-manager' | 'hashicorp-vault';
    config: Record<string, unknown>;
    credentials: Record<string, string>;
  };
}

export function connectionBodies(peers: Peers): ConnectionBody[] {
  const approle = { roleId: peers.openBao.roleId, secretId: peers.openBao.secretId };
  return [
    {
      title: 'AWS Secrets Manager (moto)',
      body: {
        name: 'moto',
        kind: 'aws-secrets-manager',
        config: { region: 'us-east-1', endpoint: peers.motoEndpoint },
        credentials: { ...peers.motoCredentials },
      },
    },
    {
      title: 'HashiCorp Vault KV v2 (OpenBao, AppRole)',
      body: {
        name: 'openbao-kv',
        kind: 'hashicorp-vault',
        config: { url: peers.openBaoAddress, engine: { type: 'kv-v2', mount: peers.openBao.kvMount } },
        credentials: approle,
      },
    },
    {
      title: `HashiCorp Vault database engine: dynamic PostgreSQL credentials (OpenBao, AppRole; import the role "${peers.openBao.databaseRole}" to read them)`,
      body: {
        name: 'openbao-db',
        kind: 'hashicorp-vault',
        config: {
          url: peers.openBaoAddress,
          engine: { type: 'database', mount: peers.openBao.databaseMount, role: peers.openBao.databaseRole },
        },
        credentials: approle,
      },
    },
  ];
}

/** A shell line that creates the connection; the body in single quotes (it holds none itself). */
export function curlLine(body: ConnectionBody['body']): string {
  const json = JSON.stringify(body);
  if (json.includes("'"))
    throw new Error('a connection body with a single quote cannot be quoted for the shell');
  return `curl -s "\${auth[@]}" -X POST "$SM/v1/connections" -d '${json}'`;
}
