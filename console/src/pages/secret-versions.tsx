/**
 * A secret's "Versions": who made each and when, its keys against the current version, "Roll back", and
 * "Compare" of any two versions — the key names added, removed and kept, and, only after "Reveal both"
 * (two value reads, each audited by the API), which kept keys changed value and the values themselves.
 */
import { useState } from 'preact/hooks';
import {
  type ApiError,
  api,
  ok,
  type SecretMetadata,
  type SecretValue,
  type SecretVersion,
} from '../api/client.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { asApiError, useLoad } from '../ui/use-load.ts';

export function Versions({
  secret,
  canRollBack,
  canReveal,
  onRolledBack,
}: {
  secret: SecretMetadata;
  canRollBack: boolean;
  canReveal: boolean;
  onRolledBack: () => void;
}) {
  const versions = useLoad(
    async () =>
      (await ok(api.GET('/v1/secrets/{name}/versions', { params: { path: { name: secret.name } } }))).data
        .items,
    [secret.name, secret.version],
  );
  const [error, setError] = useState<ApiError>();

  async function rollBack(version: SecretVersion) {
    setError(undefined);
    try {
      await ok(
        api.POST('/v1/secrets/{name}/rollback', {
          params: { path: { name: secret.name } },
          body: { version: version.version },
        }),
      );
      onRolledBack();
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      <ErrorNote error={versions.error ?? error} />
      <table class="list" aria-labelledby="versions-heading">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Change</th>
            <th scope="col">By</th>
            <th scope="col">When</th>
            <th scope="col">Keys compared with the current version</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {versions.data?.map((version) => (
            <tr key={version.version}>
              <th scope="row">
                {version.version}
                {version.current ? ' (current)' : ''}
              </th>
              <td>{version.action}</td>
              <td>{version.createdBy}</td>
              <td>{new Date(version.createdAt).toLocaleString()}</td>
              <td>{keyDiff(version.keys, secret.keys)}</td>
              <td>
                {!version.current && canRollBack && (
                  <button
                    type="button"
                    aria-label={`Roll back to version ${version.version}`}
                    onClick={() => rollBack(version)}
                  >
                    Roll back
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.data && versions.data.length > 1 && (
        <Compare secret={secret} versions={versions.data} canReveal={canReveal} />
      )}
    </section>
  );
}

function keyDiff(keys: string[], current: string[]): string {
  const only = keys.filter((key) => !current.includes(key));
  const missing = current.filter((key) => !keys.includes(key));
  if (only.length === 0 && missing.length === 0) return 'same keys';
  return [only.length ? `+ ${only.join(', ')}` : '', missing.length ? `− ${missing.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}

/** Two versions' values, read when "Reveal both" is pressed, for the pair they were read for. */
interface Revealed {
  from: number;
  to: number;
  values: [SecretValue, SecretValue];
}

function Compare({
  secret,
  versions,
  canReveal,
}: {
  secret: SecretMetadata;
  versions: SecretVersion[];
  canReveal: boolean;
}) {
  // Newest first: by default the version before the current one against the current one.
  const [from, setFrom] = useState(versions[1]!.version);
  const [to, setTo] = useState(versions[0]!.version);
  const [revealed, setRevealed] = useState<Revealed>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const keysOf = (version: number) => versions.find((item) => item.version === version)?.keys ?? [];
  const before = keysOf(from);
  const after = keysOf(to);
  const added = after.filter((key) => !before.includes(key));
  const removed = before.filter((key) => !after.includes(key));
  const kept = after.filter((key) => before.includes(key));
  const shown = revealed && revealed.from === from && revealed.to === to ? revealed.values : undefined;

  async function revealBoth() {
    setBusy(true);
    setError(undefined);
    try {
      const read = async (version: number) =>
        (
          await ok(
            api.GET('/v1/secrets/{name}/value', {
              params: { path: { name: secret.name }, query: { version } },
            }),
          )
        ).data;
      setRevealed({ from, to, values: [await read(from), await read(to)] });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const picker = (label: string, value: number, onPick: (version: number) => void) => (
    <label>
      {label}
      <select value={String(value)} onChange={(event) => onPick(Number(event.currentTarget.value))}>
        {versions.map((version) => (
          <option key={version.version} value={String(version.version)}>
            {version.version}
            {version.current ? ' (current)' : ''}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section aria-labelledby="compare-heading" class="compare">
      <h3 id="compare-heading">Compare</h3>
      <div class="filters">
        {picker('Compare version', from, setFrom)}
        {picker('with version', to, setTo)}
        {canReveal && (
          <button type="button" disabled={busy || from === to} onClick={revealBoth}>
            Reveal both
          </button>
        )}
      </div>
      <ErrorNote error={error} />
      {secret.type === 'file' ? (
        <p>
          {shown
            ? shown[0].file?.content === shown[1].file?.content
              ? 'The file content is the same.'
              : 'The file content differs.'
            : 'A file secret has no keys; “Reveal both” says whether its content changed.'}
        </p>
      ) : (
        <table class="list" aria-label={`Version ${from} against version ${to}`}>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Change</th>
              {shown && <th scope="col">Version {from}</th>}
              {shown && <th scope="col">Version {to}</th>}
            </tr>
          </thead>
          <tbody>
            {[
              ...added.map((key) => [key, 'added'] as const),
              ...removed.map((key) => [key, 'removed'] as const),
              ...kept.map(
                (key) =>
                  [
                    key,
                    shown
                      ? shown[0].data?.[key] === shown[1].data?.[key]
                        ? 'same value'
                        : 'value changed'
                      : 'kept (values hidden)',
                  ] as const,
              ),
            ].map(([key, change]) => (
              <tr key={key}>
                <th scope="row">
                  <code>{key}</code>
                </th>
                <td>{change}</td>
                {shown && (
                  <td>{shown[0].data?.[key] === undefined ? '—' : <code>{shown[0].data[key]}</code>}</td>
                )}
                {shown && (
                  <td>{shown[1].data?.[key] === undefined ? '—' : <code>{shown[1].data[key]}</code>}</td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
