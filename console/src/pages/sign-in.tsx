/** Sign in with an API key; the key is checked against the API before it is kept. */
import { useState } from 'preact/hooks';
import { remember } from '../access.ts';
import { type ApiError, api, type Me, ok } from '../api/client.ts';
import { session } from '../session.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { asApiError } from '../ui/use-load.ts';

export function SignIn() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const me = await whoIs(key.trim());
      session.signIn(key.trim());
      remember(me);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <PageHeading>Sign in to secretm</PageHeading>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

/** `GET /v1/me` proves the key (any valid key may ask it) and says what the console may offer. */
async function whoIs(key: string): Promise<Me> {
  const { data } = await ok(api.GET('/v1/me', { headers: { authorization: `Bearer ${key}` } }));
  return data;
}
