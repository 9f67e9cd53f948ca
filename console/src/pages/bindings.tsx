/** Bindings: the tenant's bindings by service name (`GET /v1/bindings`), 20 a page, each opening its own page. */

import { useState } from 'preact/hooks';
import { useMe } from '../access.ts';
import { api, ok } from '../api/client.ts';
import { bindingPath, navigate } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { useLoad } from '../ui/use-load.ts';

const pageSize = 20;

export function Bindings() {
  const pages = useCursorPages();
  const { cursor } = pages;
  const page = useLoad(
    async () =>
      (
        await ok(
          api.GET('/v1/bindings', { params: { query: { limit: pageSize, ...(cursor ? { cursor } : {}) } } }),
        )
      ).data,
    [cursor],
  );
  const [service, setService] = useState('');
  // Declaring a binding needs the admin scope (PUT /v1/bindings/{service}); others only read them.
  const mayAdmin = useMe().data?.scopes.includes('admin') ?? false;

  function create(event: Event) {
    event.preventDefault();
    navigate(`${bindingPath(service.trim())}?new=1`);
  }

  return (
    <>
      <PageHeading>Bindings</PageHeading>
      {mayAdmin && (
        <form class="filters" onSubmit={create} aria-label="New binding">
          <label>
            Service name
            <input
              value={service}
              required
              pattern="[a-z0-9][a-z0-9._\-]{0,127}"
              title="1–128 of a–z 0–9 . _ - starting with a letter or digit"
              placeholder="orders-api"
              onInput={(event) => setService(event.currentTarget.value)}
            />
          </label>
          <button type="submit" class="primary">
            New binding
          </button>
        </form>
      )}
      <p class="hint-text">
        A binding maps the names a service needs to stored secrets and keys; the service asks for it and gets
        a ready environment, or files.
      </p>
      <ErrorNote error={page.error} />
      {page.data && page.data.items.length === 0 && (
        <p>
          No bindings yet: name a service above, or declare one with <code>PUT /v1/bindings/SERVICE</code>.
        </p>
      )}
      {page.data && page.data.items.length > 0 && (
        <table class="list">
          <caption class="visually-hidden">Bindings</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Entries</th>
              <th scope="col">Description</th>
              <th scope="col">Version</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((binding) => (
              <tr key={binding.service}>
                <th scope="row">
                  <a href={`#${bindingPath(binding.service)}`}>{binding.service}</a>
                </th>
                <td>
                  {binding.entryCount} {binding.entryCount === 1 ? 'entry' : 'entries'}
                </td>
                <td>{binding.description ?? '—'}</td>
                <td>{binding.version}</td>
                <td>{new Date(binding.updatedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager pages={pages} next={page.data?.cursor} hideUnavailable />
    </>
  );
}
