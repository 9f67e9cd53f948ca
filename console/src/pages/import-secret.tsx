/**
 * Import Existing Secret: pick a vault, browse what it holds (discover), pick a ref, "Import". The
 * import runs as an activity: the user may leave the page, and the header shows where it landed.
 */
import { useState } from 'preact/hooks';
import { activity } from '../activity.ts';
import { type ApiError, api, ok } from '../api/client.ts';
import { navigate, secretPath } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { useConnections } from '../ui/use-connections.ts';
import { asApiError, useLoad } from '../ui/use-load.ts';
import { useMounted } from '../ui/use-mounted.ts';

export function ImportSecret() {
  const connections = useConnections();
  const [connection, setConnection] = useState('');
  const [ref, setRef] = useState('');
  const [name, setName] = useState('');
  const [type, setType] = useState<'env' | 'file'>('env');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const mounted = useMounted();
  const chosen = connection || connections.data?.[0]?.id || '';
  const found = useLoad(
    async () =>
      chosen
        ? (
            await ok(
              api.GET('/v1/connections/{id}/discover', {
                params: { path: { id: chosen }, query: { limit: 100 } },
              }),
            )
          ).data.items
        : [],
    [chosen],
  );

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body = { connection: chosen, ref, type, ...(name.trim() ? { name: name.trim() } : {}) };
    try {
      const imported = await activity.single({
        verb: `Importing ${ref}`,
        doneVerb: `Imported ${ref}`,
        item: ref,
        run: async () => (await ok(api.POST('/v1/secrets/import', { body }))).data,
        describe: (made) => ({
          summary: `as ${made.name}`,
          result: { label: `Open ${made.name}`, href: `#${secretPath(made.name)}` },
        }),
      });
      if (mounted.current) navigate(secretPath(imported.name));
    } catch (caught) {
      if (mounted.current) setError(asApiError(caught));
    } finally {
      if (mounted.current) setBusy(false);
    }
  }

  return (
    <>
      <p class="breadcrumb">
        <a href="#/secrets">Secrets</a>
      </p>
      <PageHeading>Import Existing Secret</PageHeading>
      <form class="stacked" onSubmit={submit}>
        <label>
          Vault provider
          <select
            value={chosen}
            onChange={(event) => {
              setConnection(event.currentTarget.value);
              setRef('');
            }}
          >
            {connections.data?.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name} ({item.kind})
              </option>
            ))}
          </select>
        </label>
        <ErrorNote error={connections.error ?? found.error} />
        <fieldset>
          <legend>Secret in the vault</legend>
          {found.loading && <p>Loading…</p>}
          {found.data?.length === 0 && <p>This vault holds nothing secretm could import.</p>}
          {found.data?.map((item) => (
            <label class="choice" key={item.ref}>
              <input
                type="radio"
                name="ref"
                value={item.ref}
                checked={ref === item.ref}
                onChange={() => setRef(item.ref)}
              />
              {item.ref}
            </label>
          ))}
        </fieldset>
        <label>
          Name in secretm (optional)
          <input value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label>
          Type
          <select value={type} onChange={(event) => setType(event.currentTarget.value as 'env' | 'file')}>
            <option value="env">Runtime Environment Variables</option>
            <option value="file">File to be Mounted Inside the Container</option>
          </select>
        </label>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !ref}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
        <ErrorNote error={error} />
      </form>
    </>
  );
}
