/**
 * A binding's entries edited in place (`PUT /v1/bindings/{service}` with `If-Match`): each entry's name,
 * its secret from a picker of the tenant's secrets, the key of an env secret or the mount path of a file
 * one. The API checks every entry against the secrets as they are; what it refuses is listed by entry.
 */
import { useState } from 'preact/hooks';
import type { operations } from '../../../functions/http/openapi-types.ts';
import { type ApiError, api, ok, type SecretMetadata } from '../api/client.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { asApiError, useLoad } from '../ui/use-load.ts';

type Binding = operations['getBinding']['responses'][200]['content']['application/json'];
type Entry = Binding['entries'][number];

/** The secret picker reads at most this many pages of 100. */
const pickerPages = 10;

async function allSecrets(): Promise<SecretMetadata[]> {
  const secrets: SecretMetadata[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < pickerPages; page += 1) {
    const { data } = await ok(
      api.GET('/v1/secrets', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }),
    );
    secrets.push(...data.items.filter((secret) => !secret.deletionDate));
    cursor = data.cursor;
    if (!cursor) break;
  }
  return secrets;
}

export function BindingEditor({
  service,
  binding,
  onSaved,
  onCancel,
}: {
  service: string;
  /** Absent for a new binding. */
  binding: Binding | undefined;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const secrets = useLoad(allSecrets, []);
  const [entries, setEntries] = useState<Entry[]>(binding?.entries ?? [{ name: '', secret: '', key: '' }]);
  const [description, setDescription] = useState(binding?.description ?? '');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const byName = new Map((secrets.data ?? []).map((secret) => [secret.name, secret]));

  const change = (index: number, next: Partial<Entry>) =>
    setEntries(entries.map((entry, i) => (i === index ? { ...entry, ...next } : entry)));

  function pick(index: number, name: string) {
    const secret = byName.get(name);
    // A file secret has no key; an env secret starts on its first key.
    change(index, { secret: name, key: secret?.type === 'file' ? undefined : (secret?.keys[0] ?? '') });
  }

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        entries: entries.map((entry) => ({
          name: entry.name.trim(),
          secret: entry.secret,
          ...(entry.key ? { key: entry.key } : {}),
          ...(entry.mountPath?.trim() ? { mountPath: entry.mountPath.trim() } : {}),
        })),
        ...(description.trim() ? { description: description.trim() } : {}),
      };
      await ok(
        api.PUT('/v1/bindings/{service}', {
          params: { path: { service } },
          ...(binding ? { headers: { 'if-match': `"${binding.version}"` } } : {}),
          body,
        }),
      );
      onSaved();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="stacked" onSubmit={save} aria-label={`Edit ${service}`}>
      <h2>{binding ? 'Edit entries' : 'New binding'}</h2>
      {binding && <p>Saving makes version {binding.version + 1}.</p>}
      <ErrorNote error={secrets.error} />
      {entries.map((entry, index) => {
        const secret = byName.get(entry.secret);
        const n = index + 1;
        return (
          <fieldset key={index} class="entry">
            <legend>Entry {n}</legend>
            <label>
              Name
              <input
                value={entry.name}
                required
                placeholder="DB_PASSWORD"
                aria-label={`Entry ${n} name`}
                onInput={(event) => change(index, { name: event.currentTarget.value })}
              />
            </label>
            <label>
              Secret
              <select
                value={entry.secret}
                required
                aria-label={`Entry ${n} secret`}
                onChange={(event) => pick(index, event.currentTarget.value)}
              >
                <option value="">Choose a secret</option>
                {entry.secret && !secret && <option value={entry.secret}>{entry.secret}</option>}
                {(secrets.data ?? []).map((option) => (
                  <option key={option.name} value={option.name}>
                    {option.name}
                    {option.type === 'file' ? ' (file)' : ''}
                  </option>
                ))}
              </select>
            </label>
            {secret?.type === 'file' ? (
              <label>
                Mount path
                <input
                  value={entry.mountPath ?? ''}
                  placeholder={secret.file?.mountPath ?? '/etc/app'}
                  aria-label={`Entry ${n} mount path`}
                  onInput={(event) => change(index, { mountPath: event.currentTarget.value })}
                />
              </label>
            ) : (
              <label>
                Key
                <select
                  value={entry.key ?? ''}
                  required
                  aria-label={`Entry ${n} key`}
                  onChange={(event) => change(index, { key: event.currentTarget.value })}
                >
                  {entry.key && !secret?.keys.includes(entry.key) && (
                    <option value={entry.key}>{entry.key}</option>
                  )}
                  {!entry.key && <option value="">Choose a key</option>}
                  {(secret?.keys ?? []).map((key) => (
                    <option key={key} value={key}>
                      {key}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button
              type="button"
              aria-label={`Remove entry ${n}`}
              disabled={entries.length === 1}
              onClick={() => setEntries(entries.filter((_, i) => i !== index))}
            >
              Remove
            </button>
          </fieldset>
        );
      })}
      <div class="actions">
        <button type="button" onClick={() => setEntries([...entries, { name: '', secret: '', key: '' }])}>
          Add entry
        </button>
      </div>
      <label>
        Description
        <input value={description} onInput={(event) => setDescription(event.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorNote error={error} />
      {error && error.details.length > 0 && (
        <ul class="problems">
          {error.details.map((detail) => (
            <li key={`${detail.path}-${detail.message}`}>
              {describePath(detail.path)}
              {detail.message}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

/** `body.entries.2` → "Entry 3: ". */
function describePath(path: string): string {
  const match = /entries\.(\d+)/.exec(path);
  return match ? `Entry ${Number(match[1]) + 1}: ` : '';
}
