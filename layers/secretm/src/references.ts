/**
 * What a name given to `getSecret` refers to:
 * - `arn:aws:secretsmanager:…` or `aws://NAME`: a secret of AWS Secrets Manager, read directly;
 * - `vault://MOUNT/PATH`: a KV v2 secret of the Vault at VAULT_ADDR (`vault kv get -mount=MOUNT PATH`);
 *   `vault://MOUNT/creds/ROLE` reads dynamic credentials of a database engine mounted at MOUNT (as
 *   `vault read MOUNT/creds/ROLE`); `?engine=kv-v2` or `?engine=database` says which when the path alone
 *   would mislead (a KV secret stored at `creds/x`);
 * - `azure://VAULT/NAME`: the secret NAME of the Key Vault `https://VAULT.vault.azure.net` (VAULT may
 *   also be a full host name in one of Azure's Key Vault domains, for sovereign clouds);
 * - any other name: a secretm secret of the function's tenant when the layer knows the secretm table
 *   (SECRETM_TABLE_NAME), else the name of an AWS secret (as Powertools' `getSecret` reads it).
 */
import { ValidationError } from '../../../shared/errors.ts';
// name-patterns.ts, not names.ts: importing names.ts bundles all of zod into every handler.
import { secretNamePattern as secretmNamePattern } from '../../../shared/validation/name-patterns.ts';

export type VaultEngine = 'kv-v2' | 'database';

export type Reference =
  | { scheme: 'aws'; id: string }
  | { scheme: 'vault'; mount: string; path: string; engine: VaultEngine }
  | { scheme: 'azure'; vaultUrl: string; name: string }
  | { scheme: 'secretm'; name: string };

const awsNamePattern = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const awsArnPattern = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const vaultSegmentPattern = /^[A-Za-z0-9._~@+=:-]+$/;
const azureVaultNamePattern = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
const azureSecretNamePattern = /^[0-9A-Za-z-]{1,127}$/;
const azureVaultDomains = [
  '.vault.azure.net',
  '.vault.azure.cn',
  '.vault.usgovcloudapi.net',
  '.vault.microsoftazure.de',
];

export function parseReference(text: string, secretmNames: boolean): Reference {
  if (typeof text !== 'string' || text.length === 0) {
    throw new ValidationError('a secret is named by a non-empty string');
  }
  if (text.startsWith('arn:')) {
    if (!awsArnPattern.test(text))
      throw invalid('an AWS Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)');
    return { scheme: 'aws', id: text };
  }
  if (text.startsWith('aws://')) return { scheme: 'aws', id: awsName(text.slice('aws://'.length)) };
  if (text.startsWith('vault://')) return vaultReference(text.slice('vault://'.length));
  if (text.startsWith('azure://')) return azureReference(text.slice('azure://'.length));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw invalid('a secretm name, an AWS secret name or ARN, vault://MOUNT/PATH or azure://VAULT/NAME');
  }
  if (secretmNames) {
    if (!secretmNamePattern.test(text)) {
      throw invalid(
        'a secretm name (1–128 of A–Z a–z 0–9 . _ - in segments separated by /), or a vault reference',
      );
    }
    return { scheme: 'secretm', name: text };
  }
  return { scheme: 'aws', id: awsName(text) };
}

function awsName(name: string): string {
  if (!awsNamePattern.test(name)) {
    throw invalid('an AWS secret name (1–512 of letters, digits and / _ + = . @ -)');
  }
  return name;
}

function vaultReference(rest: string): Reference {
  const [location = '', query, ...more] = rest.split('?');
  let engine: VaultEngine | undefined;
  if (query !== undefined || more.length > 0) {
    const params = new URLSearchParams(query ?? '');
    const asked = params.get('engine');
    if (
      more.length > 0 ||
      [...params.keys()].some((key) => key !== 'engine') ||
      (asked !== 'kv-v2' && asked !== 'database')
    ) {
      throw invalid('vault://MOUNT/PATH, with at most ?engine=kv-v2 or ?engine=database');
    }
    engine = asked;
  }
  const segments = location.split('/');
  if (
    segments.length < 2 ||
    segments.some((segment) => !vaultSegmentPattern.test(segment) || segment === '.' || segment === '..')
  ) {
    throw invalid('vault://MOUNT/PATH (a mount and a path of plain segments)');
  }
  const [mount, ...path] = segments as [string, ...string[]];
  const looksDynamic = path.length === 2 && path[0] === 'creds';
  const chosen = engine ?? (looksDynamic ? 'database' : 'kv-v2');
  if (chosen === 'database') {
    const role = looksDynamic ? path[1]! : path.length === 1 ? path[0]! : undefined;
    if (role === undefined) throw invalid('vault://MOUNT/creds/ROLE for database credentials');
    return { scheme: 'vault', mount, path: role, engine: 'database' };
  }
  return { scheme: 'vault', mount, path: path.join('/'), engine: 'kv-v2' };
}

function azureReference(rest: string): Reference {
  const [vault = '', name = '', ...more] = rest.split('/');
  if (more.length > 0 || !azureSecretNamePattern.test(name)) {
    throw invalid('azure://VAULT/NAME (a Key Vault secret name is 1–127 letters, digits and -)');
  }
  const host = vault.toLowerCase();
  if (azureVaultNamePattern.test(vault))
    return { scheme: 'azure', vaultUrl: `https://${host}.vault.azure.net`, name };
  const domain = azureVaultDomains.find((suffix) => host.endsWith(suffix));
  const label = domain === undefined ? '' : host.slice(0, -domain.length);
  if (domain === undefined || !azureVaultNamePattern.test(label)) {
    throw invalid(
      `azure://VAULT/NAME, where VAULT is a Key Vault name or a host in ${azureVaultDomains.join(', ')}`,
    );
  }
  return { scheme: 'azure', vaultUrl: `https://${host}`, name };
}

function invalid(expected: string): ValidationError {
  return new ValidationError(`the secret reference is not valid: expected ${expected}`, {
    details: [{ path: 'name', message: `expected ${expected}` }],
  });
}
