/**
 * Clone and Delete, offered from a secret's row and from its page. A clone runs as an activity: it
 * goes on, and its result stays in the header's Activity region, if the user leaves the page.
 */
import { useState } from 'preact/hooks';
import { activity } from '../activity.ts';
import { type ApiError, api, ok } from '../api/client.ts';
import { secretPath } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { useConnections } from '../ui/use-connections.ts';
import { asApiError } from '../ui/use-load.ts';
import { useMounted } from '../ui/use-mounted.ts';

interface ActionProps {
  onCancel: () => void;
}

export function CloneForm({
  source,
  onDone,
  onCancel,
}: ActionProps & { source: string; onDone: (name: string) => void }) {
  const connections = useConnections();
  const [name, setName] = useState(`${source}-copy`);
  const [connection, setConnection] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const mounted = useMounted();

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body = { name, ...(connection ? { connection } : {}) };
    try {
      const copy = await activity.single({
        verb: `Cloning ${source} to ${name}`,
        doneVerb: `Cloned ${source} to ${name}`,
        item: source,
        run: async () =>
          (await ok(api.POST('/v1/secrets/{name}/clone', { params: { path: { name: source } }, body }))).data,
        describe: (made) => ({
          summary: `(vault ${made.connection})`,
          result: { label: `Open ${made.name}`, href: `#${secretPath(made.name)}` },
        }),
      });
      if (mounted.current) onDone(copy.name);
    } catch (caught) {
      if (mounted.current) setError(asApiError(caught));
    } finally {
      if (mounted.current) setBusy(false);
    }
  }

  return (
    <form class="inline-form" onSubmit={submit} aria-label={`Clone ${source}`}>
      <label>
        New name
        <input required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label>
        Vault provider
        <select value={connection} onChange={(event) => setConnection(event.currentTarget.value)}>
          <option value="">Same vault</option>
          {connections.data?.map((item) => (
            <option key={item.id} value={item.id}>
              {item.name} ({item.kind})
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Cloning…' : 'Clone'}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <ErrorNote error={error ?? connections.error} />
    </form>
  );
}

const windows = [7, 14, 30];

export function DeleteForm({
  name,
  onDone,
  onCancel,
}: ActionProps & { name: string; onDone: (deletionDate: string) => void }) {
  const [days, setDays] = useState(30);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await ok(
        api.DELETE('/v1/secrets/{name}', {
          params: { path: { name }, query: { recoveryWindowDays: days } },
        }),
      );
      onDone(data.deletionDate);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="inline-form" onSubmit={submit} aria-label={`Delete ${name}`}>
      <label>
        Recovery window
        <select value={days} onChange={(event) => setDays(Number(event.currentTarget.value))}>
          {windows.map((value) => (
            <option key={value} value={value}>
              {value} days
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="danger" disabled={busy}>
        Delete
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
