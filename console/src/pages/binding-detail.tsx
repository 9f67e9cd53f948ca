/**
 * One binding: heading = the service, its entries (name → secret, key, mount path), and what it
 * resolves to as an environment (dotenv), files, or Kubernetes. Values stay hidden until "Reveal":
 * a resolve reads every bound secret and is audited by the API as a reveal.
 */

import { useState } from 'preact/hooks';
import type { operations } from '../../../functions/http/openapi-types.ts';
import { useMe } from '../access.ts';
import { type ApiError, api, ok } from '../api/client.ts';
import { bindingPath, navigate, secretPath } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { ScrollTable } from '../ui/scroll-table.tsx';
import { asApiError, useLoad } from '../ui/use-load.ts';
import { BindingEditor } from './binding-editor.tsx';

type Format = 'dotenv' | 'files' | 'kubernetes';
type Resolved = operations['resolveBinding']['responses'][200]['content']['application/json'];

const formats: { value: Format; label: string }[] = [
  { value: 'dotenv', label: 'Environment (.env)' },
  { value: 'files', label: 'Environment and files' },
  { value: 'kubernetes', label: 'Kubernetes' },
];

type Output =
  | { format: 'dotenv'; text: string }
  | { format: 'files'; resolved: Resolved }
  | { format: 'kubernetes'; text: string };

async function resolve(service: string, format: Format): Promise<Output> {
  const path = { service };
  if (format === 'dotenv') {
    const { data } = await ok(
      api.GET('/v1/bindings/{service}/resolve', { params: { path, query: { format } }, parseAs: 'text' }),
    );
    return { format, text: data as unknown as string };
  }
  if (format === 'kubernetes') {
    const { data } = await ok(
      api.GET('/v1/bindings/{service}/resolve', { params: { path, query: { format } } }),
    );
    return { format, text: JSON.stringify(data, null, 2) };
  }
  const { data } = await ok(
    api.GET('/v1/bindings/{service}/resolve', { params: { path, query: { format: 'json' } } }),
  );
  return { format, resolved: data };
}

export function BindingDetail({ service, creating }: { service: string; creating: boolean }) {
  const loaded = useLoad(
    async () => (await ok(api.GET('/v1/bindings/{service}', { params: { path: { service } } }))).data,
    [service],
  );
  const binding = loaded.data;
  const hasFiles = binding?.entries.some((entry) => entry.key === undefined) ?? false;
  const [format, setFormat] = useState<Format>();
  const chosen: Format = format ?? (hasFiles ? 'files' : 'dotenv');
  const [output, setOutput] = useState<Output>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  // Editing needs admin (PUT), revealing needs reveal (…/resolve): what the key lacks is not offered.
  const scopes = useMe().data?.scopes ?? [];
  const mayEdit = scopes.includes('admin');
  const mayReveal = scopes.includes('reveal');
  // "New binding" opens a service that has no binding yet: the editor, not the not-found error.
  const fresh = creating && loaded.error?.status === 404;

  async function reveal(as: Format) {
    setBusy(true);
    setError(undefined);
    try {
      setOutput(await resolve(service, as));
    } catch (caught) {
      setOutput(undefined);
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  function choose(next: Format) {
    setFormat(next);
    // A shown output follows the format; a hidden one stays hidden until "Reveal".
    if (output) void reveal(next);
  }

  return (
    <>
      <p class="breadcrumb">
        <a href="#/bindings">Bindings</a>
      </p>
      <PageHeading>{service}</PageHeading>
      {fresh && mayEdit ? (
        <BindingEditor
          service={service}
          binding={undefined}
          onSaved={() => navigate(bindingPath(service))}
          onCancel={() => navigate('/bindings')}
        />
      ) : (
        <ErrorNote error={loaded.error} />
      )}
      {binding && (
        <>
          <dl class="facts">
            <dt>Description</dt>
            <dd>{binding.description ?? '—'}</dd>
            <dt>Version</dt>
            <dd>{binding.version}</dd>
            <dt>Updated</dt>
            <dd>{new Date(binding.updatedAt).toLocaleString()}</dd>
          </dl>
          {mayEdit && (
            <div class="toolbar">
              <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
                Edit
              </button>
            </div>
          )}
          {editing && (
            <BindingEditor
              service={service}
              binding={binding}
              onSaved={() => {
                setEditing(false);
                setOutput(undefined);
                loaded.reload();
              }}
              onCancel={() => setEditing(false)}
            />
          )}
          <section aria-labelledby="entries-heading">
            <h2 id="entries-heading">Entries</h2>
            <ScrollTable label="Entries, table">
              <table class="figures">
                <caption class="visually-hidden">Entries</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Secret</th>
                    <th scope="col">Key</th>
                    <th scope="col">Mount path</th>
                  </tr>
                </thead>
                <tbody>
                  {binding.entries.map((entry) => (
                    <tr key={entry.name}>
                      <th scope="row">
                        <code>{entry.name}</code>
                      </th>
                      <td>
                        <a href={`#${secretPath(entry.secret)}`}>{entry.secret}</a>
                      </td>
                      <td>{entry.key ? <code>{entry.key}</code> : 'file'}</td>
                      <td>{entry.mountPath ?? (entry.key ? '—' : 'the secret’s own')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          </section>
          <section aria-labelledby="output-heading">
            <h2 id="output-heading">Output</h2>
            <fieldset>
              <legend>Format</legend>
              {formats.map((option) => (
                <label class="choice" key={option.value}>
                  <input
                    type="radio"
                    name="format"
                    value={option.value}
                    checked={chosen === option.value}
                    onChange={() => choose(option.value)}
                  />
                  {option.label}
                  {option.value === 'dotenv' && hasFiles ? ' (variables only: this binding has files)' : ''}
                </label>
              ))}
            </fieldset>
            <div class="toolbar">
              {output ? (
                <button type="button" onClick={() => setOutput(undefined)}>
                  Hide values
                </button>
              ) : (
                mayReveal && (
                  <button type="button" onClick={() => reveal(chosen)} disabled={busy}>
                    Reveal
                  </button>
                )
              )}
            </div>
            <ErrorNote error={error} />
            {output ? (
              <OutputView output={output} />
            ) : (
              <p>Values are hidden. “Reveal” reads each bound secret; the API audits it as a reveal.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}

function OutputView({ output }: { output: Output }) {
  if (output.format !== 'files') {
    return (
      <ScrollTable label={output.format === 'dotenv' ? 'Environment (.env)' : 'Kubernetes'}>
        <pre class="output">{output.text}</pre>
      </ScrollTable>
    );
  }
  const { env, files } = output.resolved;
  return (
    <>
      <ScrollTable label="Environment, table">
        <table class="figures">
          <caption>Environment</caption>
          <thead>
            <tr>
              <th scope="col">Variable</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(env).map(([name, value]) => (
              <tr key={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td>
                  <code>{value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      <ScrollTable label="Files, table">
        <table class="figures">
          <caption>Files</caption>
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Mode</th>
              <th scope="col">Content</th>
            </tr>
          </thead>
          <tbody>
            {files.map((file) => (
              <tr key={file.name}>
                <th scope="row">
                  <code>{`${file.mountPath.replace(/\/$/, '')}/${file.filename}`}</code>
                </th>
                <td>{file.mode ?? '—'}</td>
                <td>
                  <pre>{file.encoding === 'base64' ? `(base64) ${file.content}` : file.content}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      {files.length === 0 && <p>No files in this binding.</p>}
    </>
  );
}
