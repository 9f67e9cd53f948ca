/**
 * One secret: its keys with values hidden until "Reveal" (an audited read), "Edit" under If-Match with
 * a stale edit explained and reloadable, "Rotation", "Versions" with "Roll back", "Clone", "Delete" and
 * "Restore".
 */
import { useEffect, useState } from 'preact/hooks';
import { useSecretAccess } from '../access.ts';
import { ApiError, api, ok, type SecretMetadata, type SecretValue, versionOf } from '../api/client.ts';
import { navigate, secretPath } from '../router.ts';
import { DotenvEditor, loadDotenvParser } from '../ui/dotenv-editor.tsx';
import { ErrorNote } from '../ui/error-note.tsx';
import { lazyPage } from '../ui/lazy-page.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { formatTags, parseTags } from '../ui/tags.ts';
import { asApiError, useLoad } from '../ui/use-load.ts';
import { RotationLoader } from './rotation-loader.tsx';
import { CloneForm, DeleteForm } from './secret-actions.tsx';

/** "Versions" (with its Compare) loads when first opened: the first page does not carry it. */
const Versions = lazyPage(async () => (await import('./secret-versions.tsx')).Versions);

type Panel = 'edit' | 'versions' | 'clone' | 'delete' | undefined;

async function load(name: string) {
  const { data, response } = await ok(api.GET('/v1/secrets/{name}', { params: { path: { name } } }));
  return { secret: data, version: versionOf(response) ?? data.version };
}

export function SecretDetail({ name, editing }: { name: string; editing: boolean }) {
  const loaded = useLoad(() => load(name), [name]);
  // What this key may do to this secret (GET /v1/me?secret=): what it may not is not offered.
  const may = useSecretAccess(name).data?.effective;
  const [panel, setPanel] = useState<Panel>(editing ? 'edit' : undefined);
  const [value, setValue] = useState<SecretValue>();
  const [error, setError] = useState<ApiError>();
  const [deletionDate, setDeletionDate] = useState<string>();
  const secret = loaded.data?.secret;
  const pending = deletionDate ?? secret?.deletionDate;

  async function reveal() {
    setError(undefined);
    try {
      setValue((await ok(api.GET('/v1/secrets/{name}/value', { params: { path: { name } } }))).data);
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  async function restore() {
    setError(undefined);
    try {
      await ok(api.POST('/v1/secrets/{name}/restore', { params: { path: { name } } }));
      setDeletionDate(undefined);
      loaded.reload();
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  const toggle = (next: Panel) => setPanel(panel === next ? undefined : next);

  return (
    <>
      <p class="breadcrumb">
        <a href="#/secrets">Secrets</a>
      </p>
      <PageHeading>{name}</PageHeading>
      <ErrorNote error={loaded.error} />
      {secret && (
        <>
          <dl class="facts">
            <dt>Type</dt>
            <dd>
              {secret.type === 'env'
                ? 'Runtime Environment Variables'
                : 'File to be Mounted Inside the Container'}
            </dd>
            <dt>Vault</dt>
            <dd>{secret.connection}</dd>
            <dt>Version</dt>
            <dd>{secret.version}</dd>
            <dt>Description</dt>
            <dd>{secret.description ?? '—'}</dd>
            <dt>Tags</dt>
            <dd>{formatTags(secret.tags) || '—'}</dd>
            <dt>Updated</dt>
            <dd>
              {new Date(secret.updatedAt).toLocaleString()} by {secret.updatedBy}
            </dd>
          </dl>
          {pending ? (
            <section class="deleted" aria-label="Deleted">
              <p>
                Deleted: it will be removed for good on {new Date(pending).toLocaleString()} unless restored.
              </p>
              {may?.delete && (
                <button type="button" class="primary" onClick={restore}>
                  Restore
                </button>
              )}
            </section>
          ) : (
            <div class="toolbar">
              {value ? (
                <button type="button" onClick={() => setValue(undefined)}>
                  Hide values
                </button>
              ) : (
                may?.reveal && (
                  <button type="button" onClick={reveal}>
                    Reveal
                  </button>
                )
              )}
              {may?.write && (
                <button type="button" aria-expanded={panel === 'edit'} onClick={() => toggle('edit')}>
                  Edit
                </button>
              )}
              <button type="button" aria-expanded={panel === 'versions'} onClick={() => toggle('versions')}>
                Versions
              </button>
              {may?.write && may.reveal && (
                <button type="button" aria-expanded={panel === 'clone'} onClick={() => toggle('clone')}>
                  Clone
                </button>
              )}
              {may?.delete && (
                <button type="button" aria-expanded={panel === 'delete'} onClick={() => toggle('delete')}>
                  Delete
                </button>
              )}
            </div>
          )}
          <ErrorNote error={error} />
          <Contents secret={secret} value={value} />
          {!pending && (
            <RotationLoader
              secret={secret}
              onChanged={loaded.reload}
              mayWrite={may?.write ?? false}
              mayRotate={may?.rotate ?? false}
            />
          )}
          {panel === 'edit' && !pending && may?.write && (
            <EditForm
              secret={secret}
              expected={loaded.data!.version}
              value={value}
              onSaved={() => {
                setPanel(undefined);
                setValue(undefined);
                loaded.reload();
              }}
              onReload={loaded.reload}
            />
          )}
          {panel === 'versions' && (
            <Versions
              secret={secret}
              canRollBack={may?.write ?? false}
              canReveal={may?.reveal ?? false}
              onRolledBack={loaded.reload}
            />
          )}
          {panel === 'clone' && may?.write && (
            <CloneForm
              source={name}
              onDone={(copy) => navigate(secretPath(copy))}
              onCancel={() => setPanel(undefined)}
            />
          )}
          {panel === 'delete' && may?.delete && (
            <DeleteForm
              name={name}
              onDone={(date) => {
                setDeletionDate(date);
                setPanel(undefined);
                setValue(undefined);
              }}
              onCancel={() => setPanel(undefined)}
            />
          )}
        </>
      )}
    </>
  );
}

function Contents({ secret, value }: { secret: SecretMetadata; value: SecretValue | undefined }) {
  if (secret.type === 'file') {
    return (
      <section aria-labelledby="file-heading">
        <h2 id="file-heading">File</h2>
        <dl class="facts">
          <dt>File name</dt>
          <dd>{secret.file?.filename}</dd>
          <dt>Mount path</dt>
          <dd>{secret.file?.mountPath ?? '—'}</dd>
          <dt>Mode</dt>
          <dd>{secret.file?.mode ?? '—'}</dd>
          <dt>Content</dt>
          <dd>{value?.file ? <pre>{value.file.content}</pre> : 'hidden'}</dd>
        </dl>
      </section>
    );
  }
  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">Keys</h2>
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {secret.keys.map((key) => (
            <tr key={key}>
              <th scope="row">
                <code>{key}</code>
              </th>
              <td>
                {value?.data ? (
                  <code>{value.data[key]}</code>
                ) : (
                  <>
                    <span aria-hidden="true">••••••••</span>
                    <span class="visually-hidden">hidden</span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function EditForm({
  secret,
  expected,
  value,
  onSaved,
  onReload,
}: {
  secret: SecretMetadata;
  expected: number;
  value: SecretValue | undefined;
  onSaved: () => void;
  onReload: () => void;
}) {
  const [dotenv, setDotenv] = useState('');
  // A revealed value starts the editor from what is stored.
  useEffect(() => {
    const data = value?.data;
    if (data) void loadDotenvParser().then((parser) => setDotenv((text) => text || parser.format(data)));
  }, [value]);
  const [description, setDescription] = useState(secret.description ?? '');
  const [tags, setTags] = useState(formatTags(secret.tags));
  const [error, setError] = useState<ApiError>();
  const [stale, setStale] = useState<SecretMetadata>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setStale(undefined);
    try {
      const parsedTags = parseTags(tags);
      if (parsedTags.problem) throw new ApiError(parsedTags.problem, 0, 'console', undefined);
      const headers = { 'if-match': `"${expected}"` };
      const path = { name: secret.name };
      if (dotenv.trim() === '') {
        // Only the description and tags change: the value stays as it is.
        await ok(
          api.PATCH('/v1/secrets/{name}', {
            params: { path },
            headers,
            body: { description, tags: parsedTags.tags },
          }),
        );
      } else {
        if ((await loadDotenvParser()).parse(dotenv).problems.length > 0) {
          throw new ApiError('Fix the .env lines marked above first', 0, 'console', undefined);
        }
        await ok(
          api.PUT('/v1/secrets/{name}', {
            params: { path },
            headers,
            body: { dotenv, description, tags: parsedTags.tags },
          }),
        );
      }
      onSaved();
    } catch (caught) {
      const failure = asApiError(caught);
      setError(failure);
      if (failure.status === 412) {
        try {
          setStale((await load(secret.name)).secret);
        } catch {
          // The error above already says the edit was refused.
        }
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="stacked" onSubmit={submit} aria-label={`Edit ${secret.name}`}>
      <h2>Edit</h2>
      <p>
        Saving makes version {expected + 1}.{' '}
        {secret.type === 'env' &&
          'Leave .env empty to keep the value and change only the description and tags.'}
      </p>
      {secret.type === 'env' && <DotenvEditor value={dotenv} onInput={setDotenv} />}
      <label>
        Description
        <input value={description} onInput={(event) => setDescription(event.currentTarget.value)} />
      </label>
      <label>
        Tags
        <input value={tags} onInput={(event) => setTags(event.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
      </div>
      <ErrorNote error={error} />
      {stale && (
        <div class="stale" role="status">
          <p>
            Someone else saved version {stale.version} after you opened version {expected}.
            {describeChange(secret.keys, stale.keys)} Reload to edit version {stale.version}; what you typed
            is kept.
          </p>
          <button
            type="button"
            onClick={() => {
              setStale(undefined);
              setError(undefined);
              onReload();
            }}
          >
            Reload
          </button>
        </div>
      )}
    </form>
  );
}

function describeChange(before: string[], after: string[]): string {
  const added = after.filter((key) => !before.includes(key));
  const removed = before.filter((key) => !after.includes(key));
  const parts = [
    added.length ? `Keys added: ${added.join(', ')}.` : '',
    removed.length ? `Keys removed: ${removed.join(', ')}.` : '',
  ].filter(Boolean);
  return parts.length ? ` ${parts.join(' ')}` : ' The key names are the same; values may differ.';
}
