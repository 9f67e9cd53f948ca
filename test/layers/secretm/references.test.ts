import { describe, expect, it } from 'vitest';
import { parseReference } from '../../../layers/secretm/src/references.ts';
import { ValidationError } from '../../../shared/errors.ts';

describe('parseReference', () => {
  it.each([
    [
      'an ARN',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf',
      true,
      { scheme: 'aws', id: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf' },
    ],
    ['aws://NAME', 'aws://app/db', true, { scheme: 'aws', id: 'app/db' }],
    ['a plain name without the secretm table', 'app/db', false, { scheme: 'aws', id: 'app/db' }],
    ['a plain name with the secretm table', 'prod-db', true, { scheme: 'secretm', name: 'prod-db' }],
    [
      'a KV v2 path',
      'vault://kv/app/config',
      true,
      { scheme: 'vault', mount: 'kv', path: 'app/config', engine: 'kv-v2' },
    ],
    [
      'database credentials',
      'vault://database/creds/app',
      true,
      { scheme: 'vault', mount: 'database', path: 'app', engine: 'database' },
    ],
    [
      'a KV path that looks like credentials',
      'vault://kv/creds/app?engine=kv-v2',
      true,
      { scheme: 'vault', mount: 'kv', path: 'creds/app', engine: 'kv-v2' },
    ],
    [
      'database credentials named by role',
      'vault://db/app?engine=database',
      true,
      { scheme: 'vault', mount: 'db', path: 'app', engine: 'database' },
    ],
    [
      'an Azure vault name',
      'azure://prod-vault/db-password',
      true,
      { scheme: 'azure', vaultUrl: 'https://prod-vault.vault.azure.net', name: 'db-password' },
    ],
    [
      'an Azure host',
      'azure://gov-vault.vault.usgovcloudapi.net/x',
      true,
      { scheme: 'azure', vaultUrl: 'https://gov-vault.vault.usgovcloudapi.net', name: 'x' },
    ],
  ])('reads %s', (_case, text, secretmNames, expected) => {
    expect(parseReference(text, secretmNames)).toEqual(expected);
  });

  it.each([
    ['an empty name', ''],
    ['another scheme', 'ssm://param'],
    ['a malformed ARN', 'arn:aws:ssm:eu-west-1:123456789012:parameter/x'],
    ['a vault path escaping its mount', 'vault://kv/../sys/x'],
    ['a vault mount alone', 'vault://kv'],
    ['an unknown vault engine', 'vault://kv/x?engine=pki'],
    ['an Azure host outside Azure', 'azure://evil.example.com/x'],
    ['an Azure name with a path', 'azure://vault/a/b'],
    ['a secretm name with an empty segment', 'team//db'],
    ['a secretm name with a climbing segment', 'team/../db'],
  ])('refuses %s', (_case, text) => {
    expect(() => parseReference(text, true)).toThrow(ValidationError);
  });

  it('reads a secretm name that is a path as a secretm name', () => {
    expect(parseReference('payments/prod/db', true)).toEqual({ scheme: 'secretm', name: 'payments/prod/db' });
  });
});
