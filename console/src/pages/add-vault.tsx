/**
 * Add vault: "Select Vault" picks the kind and its fields; "Test" checks the connection as described,
 * before anything is stored (POST /v1/connections/test), and shows each step; "Save" stores it.
 */
import { useState } from 'preact/hooks';
import { type ApiError, api, type ConnectionCheck, type CreateConnectionBody, ok } from '../api/client.ts';
import { navigate } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { asApiError } from '../ui/use-load.ts';

type Kind = 'hashicorp-vault' | 'aws-secrets-manager' | 'azure-key-vault';

const blank = {
  name: '',
  kind: 'hashicorp-vault' as Kind,
  cacheTtl: '300',
  // HashiCorp Vault
  url: '',
  namespace: '',
  roleId: '',
  secretId: '',
  engineName: 'secret',
  engineType: 'kv-v2' as 'kv-v2' | 'database',
  databaseRole: '',
  secretPath: '',
  // AWS Secrets Manager
  region: '',
  endpoint: '',
  roleArn: '',
  kmsKeyId: '',
  namePrefix: '',
  accessKeyId: '',
  secretAccessKey: '',
  // Azure Key Vault
  vaultUrl: '',
  tenantId: '',
  clientId: '',
  clientSecret: '',
};
type Form = typeof blank;

const optional = (key: string, value: string) => (value.trim() ? { [key]: value.trim() } : {});

function bodyOf(form: Form): CreateConnectionBody {
  const common = { name: form.name.trim(), kind: form.kind, cacheTtlSeconds: Number(form.cacheTtl) };
  switch (form.kind) {
    case 'hashicorp-vault':
      return {
        ...common,
        config: {
          url: form.url.trim(),
          ...optional('namespace', form.namespace),
          engine:
            form.engineType === 'database'
              ? { type: 'database', mount: form.engineName.trim(), role: form.databaseRole.trim() }
              : { type: 'kv-v2', mount: form.engineName.trim(), ...optional('path', form.secretPath) },
        },
        credentials: { roleId: form.roleId, secretId: form.secretId },
      };
    case 'aws-secrets-manager':
      return {
        ...common,
        config: {
          region: form.region.trim(),
          ...optional('endpoint', form.endpoint),
          ...optional('roleArn', form.roleArn),
          ...optional('kmsKeyId', form.kmsKeyId),
          ...optional('namePrefix', form.namePrefix),
        },
        ...(form.accessKeyId
          ? { credentials: { accessKeyId: form.accessKeyId, secretAccessKey: form.secretAccessKey } }
          : {}),
      };
    case 'azure-key-vault':
      return {
        ...common,
        config: { vaultUrl: form.vaultUrl.trim() },
        credentials: { tenantId: form.tenantId, clientId: form.clientId, clientSecret: form.clientSecret },
      };
  }
}

export function AddVault() {
  const [form, setForm] = useState<Form>(blank);
  const [check, setCheck] = useState<ConnectionCheck>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState<'test' | 'save'>();

  const field = (key: keyof Form, label: string, extra: { secret?: boolean; placeholder?: string } = {}) => (
    <label>
      {label}
      <input
        // Credentials are typed unseen; preact's input types want one literal type per element.
        type={(extra.secret ? 'password' : 'text') as 'text'}
        autoComplete="off"
        value={form[key]}
        {...(extra.placeholder ? { placeholder: extra.placeholder } : {})}
        onInput={(event) => setForm({ ...form, [key]: event.currentTarget.value })}
      />
    </label>
  );

  async function run(action: 'test' | 'save') {
    setBusy(action);
    setError(undefined);
    if (action === 'test') setCheck(undefined);
    try {
      if (action === 'test') {
        setCheck((await ok(api.POST('/v1/connections/test', { body: bodyOf(form) }))).data);
      } else {
        await ok(api.POST('/v1/connections', { body: bodyOf(form) }));
        navigate('/vaults');
      }
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <>
      <p class="breadcrumb">
        <a href="#/vaults">Vaults</a>
      </p>
      <PageHeading>Add vault</PageHeading>
      <form
        class="stacked"
        onSubmit={(event) => {
          event.preventDefault();
          void run('save');
        }}
      >
        {field('name', 'Name', { placeholder: 'team-vault' })}
        <label>
          Select Vault
          <select
            value={form.kind}
            onChange={(event) => {
              setForm({ ...form, kind: event.currentTarget.value as Kind });
              setCheck(undefined);
            }}
          >
            <option value="aws-secrets-manager">AWS Secrets Manager</option>
            <option value="azure-key-vault">Azure Key Vault</option>
            <option value="hashicorp-vault">HashiCorp Vault</option>
          </select>
        </label>
        {form.kind === 'hashicorp-vault' && (
          <>
            {field('url', 'Vault URL', { placeholder: 'https://vault.internal:8200' })}
            {field('roleId', 'Role ID', { secret: true })}
            {field('secretId', 'Secret ID', { secret: true })}
            {field('namespace', 'Namespace', { placeholder: 'team/a' })}
            {field('engineName', 'Engine name', { placeholder: 'secret' })}
            <label>
              Engine type
              <select
                value={form.engineType}
                onChange={(event) =>
                  setForm({ ...form, engineType: event.currentTarget.value as Form['engineType'] })
                }
              >
                <option value="kv-v2">KV version 2</option>
                <option value="database">Database (dynamic credentials)</option>
              </select>
            </label>
            {form.engineType === 'database' && field('databaseRole', 'Database role')}
            {form.engineType === 'kv-v2' &&
              field('secretPath', 'Path to secret', { placeholder: 'teams/payments' })}
          </>
        )}
        {form.kind === 'aws-secrets-manager' && (
          <>
            {field('region', 'Region', { placeholder: 'eu-west-1' })}
            {field('roleArn', 'Role ARN to assume')}
            {field('kmsKeyId', 'KMS key ID')}
            {field('namePrefix', 'Name prefix')}
            {field('endpoint', 'Endpoint (private or test)')}
            {field('accessKeyId', 'Access key ID', { secret: true })}
            {field('secretAccessKey', 'Secret access key', { secret: true })}
          </>
        )}
        {form.kind === 'azure-key-vault' && (
          <>
            {field('vaultUrl', 'Vault URL', { placeholder: 'https://my-vault.vault.azure.net' })}
            {field('tenantId', 'Tenant ID', { secret: true })}
            {field('clientId', 'Client ID', { secret: true })}
            {field('clientSecret', 'Client secret', { secret: true })}
          </>
        )}
        <label>
          Cache TTL
          <input
            type="number"
            min={0}
            max={86400}
            value={form.cacheTtl}
            aria-describedby="ttl-hint"
            onInput={(event) => setForm({ ...form, cacheTtl: event.currentTarget.value })}
          />
        </label>
        <p id="ttl-hint" class="hint">
          Seconds the secretm layer may cache this vault's values.
        </p>
        <p class="hint">Credentials are write-only: they are stored in a vault and never shown again.</p>
        <div class="actions">
          <button type="button" disabled={busy !== undefined} onClick={() => run('test')}>
            {busy === 'test' ? 'Testing…' : 'Test'}
          </button>
          <button type="submit" class="primary" disabled={busy !== undefined}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
        </div>
        <ErrorNote error={error} />
        {check && <CheckSteps check={check} />}
      </form>
    </>
  );
}

function CheckSteps({ check }: { check: ConnectionCheck }) {
  return (
    <section class="check" aria-labelledby="check-heading" role="status">
      <h2 id="check-heading">{check.ok ? 'Test passed' : 'Test failed'}</h2>
      <ol>
        {check.steps.map((step) => (
          <li key={step.step} class={step.ok ? 'ok' : 'bad'}>
            <strong>
              {step.ok ? '✓' : '✗'} {step.step}
            </strong>
            : {step.message}
          </li>
        ))}
      </ol>
    </section>
  );
}
