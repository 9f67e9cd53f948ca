/** Vaults: the tenant's connections. Credentials are write-only: only whether they are set is shown. */
import { navigate } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { useConnections } from '../ui/use-connections.ts';

const kindNames: Record<string, string> = {
  'aws-secrets-manager': 'AWS Secrets Manager',
  'azure-key-vault': 'Azure Key Vault',
  'hashicorp-vault': 'HashiCorp Vault',
  local: 'Local vault',
};

export function Vaults() {
  const connections = useConnections();
  return (
    <>
      <PageHeading>Vaults</PageHeading>
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => navigate('/vaults/new')}>
          Add vault
        </button>
      </div>
      <ErrorNote error={connections.error} />
      {connections.data && (
        <table class="list">
          <caption class="visually-hidden">Vaults</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Cache TTL</th>
              <th scope="col">Credentials</th>
            </tr>
          </thead>
          <tbody>
            {connections.data.map((connection) => (
              <tr key={connection.id}>
                <th scope="row">{connection.name}</th>
                <td>{kindNames[connection.kind] ?? connection.kind}</td>
                <td>{connection.cacheTtlSeconds} s</td>
                <td>
                  {connection.builtIn
                    ? 'built in'
                    : connection.hasCredentials
                      ? 'stored (write-only)'
                      : 'none (IAM role)'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
