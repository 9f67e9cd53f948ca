/** Sign in with an API key; the key is checked against the API before it is kept. */
import { useState } from 'preact/hooks';
import { type ApiError, api, ok } from '../api/client.ts';
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
      const answer = await fetchWith(key.trim());
      if (answer) throw answer;
      session.signIn(key.trim());
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

/** Any request proves the key: 401 refuses it; a 403 (a key without `read`) still signs in. */
async function fetchWith(key: string): Promise<ApiError | undefined> {
  try {
    await ok(
      api.GET('/v1/secrets', {
        params: { query: { limit: 1 } },
        headers: { authorization: `Bearer ${key}` },
      }),
    );
    return undefined;
  } catch (caught) {
    const error = asApiError(caught);
    return error.status === 403 ? undefined : error;
  }
}
