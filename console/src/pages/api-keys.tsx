/**
 * API keys: the tenant's keys (never the keys themselves) with their scopes, rules, creation and expiry;
 * "Create API key" (the new key shown once); "Revoke" after a confirmation.
 */
import { useState } from 'preact/hooks';
import { type ApiError, type ApiKey, api, ok } from '../api/client.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { asApiError, useLoad } from '../ui/use-load.ts';
import { CreateApiKey } from './create-api-key.tsx';
import { rulesSummary } from './rules-summary.ts';

const pageSize = 50;

export function ApiKeys() {
  const pages = useCursorPages();
  const { cursor } = pages;
  const page = useLoad(
    async () =>
      (
        await ok(
          api.GET('/v1/api-keys', { params: { query: { limit: pageSize, ...(cursor ? { cursor } : {}) } } }),
        )
      ).data,
    [cursor],
  );
  const [creating, setCreating] = useState(false);

  return (
    <>
      <PageHeading>API keys</PageHeading>
      <p>
        Each key is shown once, when it is made; secretm keeps only its hash. A revoked key is refused at once
        here, and everywhere within 10 seconds.
      </p>
      {!creating && (
        <div class="toolbar">
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            Create API key
          </button>
        </div>
      )}
      {creating && <CreateApiKey onCreated={page.reload} onClose={() => setCreating(false)} />}
      <ErrorNote error={page.error} />
      {page.data && page.data.items.length === 0 && <p>No API keys yet.</p>}
      {page.data && page.data.items.length > 0 && (
        <table class="list">
          <caption class="visually-hidden">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Rules</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((key) => (
              <KeyRow key={key.id} apiKey={key} onRevoked={page.reload} />
            ))}
          </tbody>
        </table>
      )}
      <Pager pages={pages} next={page.data?.cursor} />
    </>
  );
}

const when = (iso: string) => new Date(iso).toLocaleString();

function KeyRow({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const expired = apiKey.expiresAt !== undefined && Date.parse(apiKey.expiresAt) <= Date.now();

  async function revoke() {
    setBusy(true);
    setError(undefined);
    try {
      await ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: apiKey.id } } }));
      setConfirming(false);
      onRevoked();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <tr>
        <th scope="row">
          {apiKey.name}
          <code class="key-id">{apiKey.id}</code>
          {apiKey.revokedAt && <span class="badge"> revoked</span>}
          {!apiKey.revokedAt && expired && <span class="badge"> expired</span>}
        </th>
        <td>{apiKey.scopes.join(', ')}</td>
        <td>{rulesSummary(apiKey.rules)}</td>
        <td>
          {when(apiKey.createdAt)} by {apiKey.createdBy}
        </td>
        <td>{apiKey.expiresAt ? when(apiKey.expiresAt) : 'never'}</td>
        <td>
          {!apiKey.revokedAt && !confirming && (
            <button type="button" aria-label={`Revoke ${apiKey.name}`} onClick={() => setConfirming(true)}>
              Revoke
            </button>
          )}
        </td>
      </tr>
      {confirming && (
        <tr>
          <td colSpan={6}>
            <form
              class="inline-form"
              aria-label={`Revoke ${apiKey.name}?`}
              onSubmit={(event) => {
                event.preventDefault();
                void revoke();
              }}
            >
              <p>Revoke “{apiKey.name}”? Anything using it is refused from now on; this cannot be undone.</p>
              <button type="submit" class="danger" disabled={busy}>
                Yes, revoke
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
              <ErrorNote error={error} />
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
