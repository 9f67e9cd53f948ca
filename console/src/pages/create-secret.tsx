/** Create New Secret: environment variables from a pasted .env, or a file to mount in a container. */
import { useState } from 'preact/hooks';
import { ApiError, api, type CreateSecretBody, ok } from '../api/client.ts';
import { navigate, secretPath } from '../router.ts';
import { DotenvEditor, loadDotenvParser } from '../ui/dotenv-editor.tsx';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { readUpload } from '../ui/read-file.ts';
import { parseTags } from '../ui/tags.ts';
import { useConnections } from '../ui/use-connections.ts';
import { asApiError } from '../ui/use-load.ts';

export function CreateSecret() {
  const connections = useConnections();
  const [form, setForm] = useState({
    name: '',
    connection: '',
    description: '',
    tags: '',
    type: 'env' as 'env' | 'file',
    dotenv: '',
    mountPath: '',
    mode: '',
  });
  const [file, setFile] = useState<File>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof form) => (event: { currentTarget: { value: string } }) =>
    setForm({ ...form, [field]: event.currentTarget.value });

  async function body(): Promise<CreateSecretBody> {
    const { tags, problem } = parseTags(form.tags);
    if (problem) throw new ApiError(problem, 0, 'console', undefined);
    const common = {
      name: form.name.trim(),
      ...(form.connection ? { connection: form.connection } : {}),
      ...(form.description ? { description: form.description } : {}),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    };
    if (form.type === 'env') {
      const parsed = (await loadDotenvParser()).parse(form.dotenv);
      if (parsed.problems.length > 0 || !parsed.values) {
        throw new ApiError('Fix the .env lines marked above first', 0, 'console', undefined);
      }
      return { ...common, type: 'env', dotenv: form.dotenv };
    }
    if (!file) throw new ApiError('Choose a file to upload', 0, 'console', undefined);
    return {
      ...common,
      type: 'file',
      file: {
        ...(await readUpload(file)),
        filename: file.name,
        ...(form.mountPath ? { mountPath: form.mountPath } : {}),
        ...(form.mode ? { mode: form.mode } : {}),
      },
    };
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await ok(api.POST('/v1/secrets', { body: await body() }));
      navigate(secretPath(data.name));
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading>Create New Secret</PageHeading>
      <form class="stacked" onSubmit={submit}>
        <label>
          Name
          <input required value={form.name} onInput={set('name')} placeholder="payments/db" />
        </label>
        <label>
          Vault provider
          <select value={form.connection} onChange={set('connection')}>
            <option value="">Default vault</option>
            {connections.data?.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name} ({item.kind})
              </option>
            ))}
          </select>
        </label>
        <ErrorNote error={connections.error} />
        <label>
          Description
          <input value={form.description} onInput={set('description')} />
        </label>
        <label>
          Tags
          <input value={form.tags} onInput={set('tags')} placeholder="team=payments, env=prod" />
        </label>
        <fieldset>
          <legend>Type</legend>
          <label class="choice">
            <input
              type="radio"
              name="type"
              value="env"
              checked={form.type === 'env'}
              onChange={() => setForm({ ...form, type: 'env' })}
            />
            Runtime Environment Variables
          </label>
          <label class="choice">
            <input
              type="radio"
              name="type"
              value="file"
              checked={form.type === 'file'}
              onChange={() => setForm({ ...form, type: 'file' })}
            />
            File to be Mounted Inside the Container
          </label>
        </fieldset>
        {form.type === 'env' ? (
          <DotenvEditor value={form.dotenv} onInput={(dotenv) => setForm({ ...form, dotenv })} />
        ) : (
          <>
            <label>
              File
              <input type="file" onChange={(event) => setFile(event.currentTarget.files?.[0])} />
            </label>
            <label>
              Mount path
              <input value={form.mountPath} onInput={set('mountPath')} placeholder="/etc/app/config.json" />
            </label>
            <label>
              Mode
              <input value={form.mode} onInput={set('mode')} placeholder="0400" />
            </label>
          </>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
          <button type="button" onClick={() => navigate('/secrets')}>
            Cancel
          </button>
        </div>
        <ErrorNote error={error} />
      </form>
    </>
  );
}
