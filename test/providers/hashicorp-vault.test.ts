import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createHashicorpVaultProvider } from '../../shared/providers/hashicorp-vault.ts';
import { appRoleWithPolicy, enableKvV2, kvPolicy } from './hashicorp-vault-fixtures.ts';
import { describeProviderContract } from './provider-contract.ts';

describeProviderContract('hashicorp-vault kv-v2 on OpenBao, with AppRole', async () => {
  const mount = await enableKvV2();
  const { roleId, secretId } = await appRoleWithPolicy(kvPolicy(mount));
  const provider = createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount } },
    { roleId, secretId },
  );
  return { provider, newRef: () => provider.refFor('tenant-a', `secret-${randomUUID()}`) };
});
