/**
 * Secrets: filter by name prefix and tag, a page at a time; each row's "More actions" menu; rows may be
 * selected for "Delete selected".
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { mayOpen, useMe } from '../access.ts';
import { activity } from '../activity.ts';
import { api, ok, type SecretMetadata } from '../api/client.ts';
import { navigate, secretPath } from '../router.ts';
import { ErrorNote } from '../ui/error-note.tsx';
import { PageHeading } from '../ui/page-heading.tsx';
import { Pager, useCursorPages } from '../ui/pager.tsx';
import { useLoad } from '../ui/use-load.ts';
import { BulkDeleteForm } from './bulk-delete.tsx';
import { CloneForm, DeleteForm } from './secret-actions.tsx';

const pageSize = 20;

async function listPage(filters: { prefix: string; tag: string }, cursor: string | undefined) {
  const query = {
    limit: pageSize,
    ...(filters.prefix ? { prefix: filters.prefix } : {}),
    ...(filters.tag ? { tag: filters.tag } : {}),
    ...(cursor ? { cursor } : {}),
  };
  return (await ok(api.GET('/v1/secrets', { params: { query } }))).data;
}

export function Secrets() {
  const [draft, setDraft] = useState({ prefix: '', tag: '' });
  const [filters, setFilters] = useState(draft);
  const pages = useCursorPages();
  const { cursor } = pages;
  const page = useLoad(() => listPage(filters, cursor), [filters, cursor]);
  // One answer for the page, not one per row: a key with rules may still be refused one secret's change.
  const me = useMe().data;
  const canWrite = me?.scopes.includes('write') ?? false;
  const [selected, setSelected] = useState<string[]>([]);
  const [bulkDelete, setBulkDelete] = useState(false);
  // A long action that ends while the list is open (a bulk delete, a clone) shows in it at once.
  const reload = useRef(page.reload);
  reload.current = page.reload;
  useEffect(() => activity.onEnded(() => reload.current()), []);
  const names = page.data?.items.filter((item) => !item.deletionDate).map((item) => item.name) ?? [];
  const allSelected = names.length > 0 && names.every((name) => selected.includes(name));
  const select = (name: string, on: boolean) =>
    setSelected(
      on ? [...selected.filter((item) => item !== name), name] : selected.filter((item) => item !== name),
    );

  function applyFilters(event: Event) {
    event.preventDefault();
    setFilters(draft);
    pages.restart();
  }

  return (
    <>
      <PageHeading>Secrets</PageHeading>
      {me && canWrite && (
        <div class="toolbar">
          <button type="button" class="primary" onClick={() => navigate('/secrets/new')}>
            Create New Secret
          </button>
          {mayOpen('/secrets/import', me) && (
            <button type="button" onClick={() => navigate('/secrets/import')}>
              Import Existing Secret
            </button>
          )}
          <button
            type="button"
            aria-expanded={bulkDelete}
            disabled={selected.length === 0}
            onClick={() => setBulkDelete(!bulkDelete)}
          >
            Delete selected
          </button>
          {selected.length > 0 && <span class="selected-count">{selected.length} selected</span>}
        </div>
      )}
      {canWrite && bulkDelete && selected.length > 0 && (
        <BulkDeleteForm
          names={selected}
          onStarted={() => {
            setBulkDelete(false);
            setSelected([]);
          }}
          onCancel={() => setBulkDelete(false)}
        />
      )}
      <form class="filters" onSubmit={applyFilters} aria-label="Filter secrets">
        <label>
          Name prefix
          <input
            value={draft.prefix}
            placeholder="payments/"
            onInput={(event) => setDraft({ ...draft, prefix: event.currentTarget.value })}
          />
        </label>
        <label>
          Tag
          <input
            value={draft.tag}
            placeholder="team=payments"
            onInput={(event) => setDraft({ ...draft, tag: event.currentTarget.value })}
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={page.error} />
      {page.data && page.data.items.length === 0 && <p>No secrets match.</p>}
      {page.data && page.data.items.length > 0 && (
        <table class="list">
          <caption class="visually-hidden">Secrets</caption>
          <thead>
            <tr>
              <th scope="col" class="select-cell">
                {canWrite && (
                  <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    checked={allSelected}
                    onChange={(event) =>
                      setSelected(
                        event.currentTarget.checked
                          ? [...new Set([...selected, ...names])]
                          : selected.filter((name) => !names.includes(name)),
                      )
                    }
                  />
                )}
              </th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Vault</th>
              <th scope="col">Version</th>
              <th scope="col">Tags</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((secret) => (
              <SecretRow
                key={secret.name}
                secret={secret}
                canWrite={canWrite}
                selected={selected.includes(secret.name)}
                onSelect={(on) => select(secret.name, on)}
                onChanged={page.reload}
              />
            ))}
          </tbody>
        </table>
      )}
      <Pager pages={pages} next={page.data?.cursor} />
    </>
  );
}

function SecretRow({
  secret,
  canWrite,
  selected,
  onSelect,
  onChanged,
}: {
  secret: SecretMetadata;
  canWrite: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onChanged: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [action, setAction] = useState<'clone' | 'delete'>();
  const menuId = `menu-${secret.name.replace(/[^\w-]/g, '_')}`;
  const tags = Object.entries(secret.tags).map(([key, value]) => `${key}=${value}`);
  return (
    <>
      <tr>
        <td class="select-cell">
          {canWrite && (
            <input
              type="checkbox"
              aria-label={`Select ${secret.name}`}
              checked={selected}
              disabled={Boolean(secret.deletionDate)}
              onChange={(event) => onSelect(event.currentTarget.checked)}
            />
          )}
        </td>
        <th scope="row">
          <a href={`#${secretPath(secret.name)}`}>{secret.name}</a>
          {secret.deletionDate && <span class="badge"> deleted</span>}
        </th>
        <td>{secret.type === 'env' ? 'Environment variables' : 'File'}</td>
        <td>{secret.connection}</td>
        <td>{secret.version}</td>
        <td>{tags.join(', ')}</td>
        <td class="menu-cell">
          {canWrite && (
            <button
              type="button"
              aria-haspopup="true"
              aria-expanded={open}
              aria-controls={menuId}
              onClick={() => setOpen(!open)}
              onKeyDown={(event) => event.key === 'Escape' && setOpen(false)}
            >
              More actions
            </button>
          )}
          {canWrite && open && (
            <ul id={menuId} class="menu">
              <li>
                <button
                  type="button"
                  onClick={() => {
                    setAction('clone');
                    setOpen(false);
                  }}
                >
                  Clone
                </button>
              </li>
              <li>
                <button type="button" onClick={() => navigate(secretPath(secret.name, 'edit=1'))}>
                  Edit
                </button>
              </li>
              <li>
                <button
                  type="button"
                  onClick={() => {
                    setAction('delete');
                    setOpen(false);
                  }}
                >
                  Delete
                </button>
              </li>
            </ul>
          )}
        </td>
      </tr>
      {action && (
        <tr>
          <td colSpan={7}>
            {action === 'clone' ? (
              <CloneForm
                source={secret.name}
                onDone={(name) => navigate(secretPath(name))}
                onCancel={() => setAction(undefined)}
              />
            ) : (
              <DeleteForm
                name={secret.name}
                onDone={() => {
                  setAction(undefined);
                  onChanged();
                }}
                onCancel={() => setAction(undefined)}
              />
            )}
          </td>
        </tr>
      )}
    </>
  );
}
