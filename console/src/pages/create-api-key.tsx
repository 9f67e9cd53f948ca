/**
 * "Create API key": a name, the scopes (only those the signed-in key holds: a key cannot give more),
 * an optional expiry. The new key is shown once, with "Copy" (the clipboard, or the text selected for a
 * manual copy where the clipboard is refused) and a warning that it will not be shown again.
 */
import { useRef, useState } from 'preact/hooks';
import { useMe } from '../access.ts';
import { type ApiError, api, type CreatedApiKey, ok } from '../api/client.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { asApiError } from '../ui/use-load.ts';

const scopeNames = ['read', 'reveal', 'write', 'admin'] as const;
type ScopeName = (typeof scopeNames)[number];
const scopeHelp: Record<ScopeName, string> = {
  read: 'metadata: names, keys, versions',
  reveal: 'values',
  write: 'create, edit, delete, rotate',
  admin: 'vaults, bindings, keys, audit, costs',
};

export function CreateApiKey({ onCreated, onClose }: { onCreated: () => void; onClose: () => void }) {
  const me = useMe();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ScopeName[]>(['read']);
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey>();

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        name: name.trim(),
        scopes,
        ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
      };
      const { data } = await ok(api.POST('/v1/api-keys', { body }));
      setCreated(data);
      onCreated();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  if (created) return <ShownOnce created={created} onDone={onClose} />;
  const offered = scopeNames.filter((scope) => me.data?.scopes.includes(scope));
  const toggle = (scope: ScopeName, on: boolean) =>
    setScopes(on ? [...scopes, scope] : scopes.filter((item) => item !== scope));

  return (
    <form class="stacked" onSubmit={submit} aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">Create API key</h2>
      <label>
        Name
        <input
          required
          maxLength={128}
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
      </label>
      <fieldset>
        <legend>Scopes</legend>
        {offered.map((scope) => (
          <label key={scope} class="choice">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(event) => toggle(scope, event.currentTarget.checked)}
            />
            {scope} <span class="hint-inline">— {scopeHelp[scope]}</span>
          </label>
        ))}
      </fieldset>
      <label>
        Expires (optional)
        <input
          type="datetime-local"
          value={expires}
          onInput={(event) => setExpires(event.currentTarget.value)}
        />
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || scopes.length === 0}>
          Create
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
      <ErrorNote error={error ?? me.error} />
    </form>
  );
}

function ShownOnce({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'select'>();

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      // No clipboard here (or it was refused): select the key so it can be copied by hand.
      field.current?.focus();
      field.current?.select();
      setCopied('select');
    }
  }

  return (
    <section class="shown-once" aria-labelledby="new-key-heading">
      <h2 id="new-key-heading">New API key: {created.name}</h2>
      <p class="warning">
        <strong>Copy this key now: it will not be shown again.</strong> secretm keeps only its hash.
      </p>
      <label>
        New key
        <input
          ref={field}
          readOnly
          class="secret-text"
          value={created.key}
          onFocus={(event) => event.currentTarget.select()}
        />
      </label>
      <div class="actions">
        <button type="button" class="primary" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'select' &&
          'The clipboard is not available here: the key is selected, copy it with Ctrl+C (⌘C on a Mac).'}
      </p>
    </section>
  );
}
