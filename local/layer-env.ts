/**
 * What the `secretm` layer needs to read local mode's secrets from a function run on this machine, by
 * the names the layer reads (layers/secretm/src/config.ts): the table, the tenant, DynamoDB Local's
 * endpoint and region, the store's access key, and the local vault's folder. Written on every start to
 * `layer.env` in the data folder (0600, dotenv, for `node --env-file=…`), since DynamoDB Local's port
 * may change from one start to the next. The access key stays in that file; what is printed names it.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { DynamoDbCredentials } from './dynamodb-credentials.ts';

export interface LayerEnvInput {
  tableName: string;
  tenant: string;
  region: string;
  dynamodbEndpoint: string;
  credentials: DynamoDbCredentials;
  vaultDir: string;
}

/** The variables, in the order they are written; the access key's last. */
export function layerEnv(input: LayerEnvInput): Record<string, string> {
  return {
    SECRETM_TABLE_NAME: input.tableName,
    SECRETM_TENANT: input.tenant,
    AWS_REGION: input.region,
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamodbEndpoint,
    SECRETM_LOCAL_VAULT_DIR: input.vaultDir,
    AWS_ACCESS_KEY_ID: input.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: input.credentials.secretAccessKey,
  };
}

/** The names whose values are credentials: never printed, only written to the file. */
export const credentialVariables = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** Writes `env` to `path` as dotenv, owner-only, replacing it whole (a reader never sees half a file). */
export async function writeLayerEnvFile(path: string, env: Record<string, string>): Promise<void> {
  const text = Object.entries(env)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
    .join('');
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx', mode: 0o600 });
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}
