/**
 * "Delete selected" on the Secrets list: one recovery window for all the chosen secrets, deleted one
 * after another as an activity. The user may leave the page while it runs; a secret that cannot be
 * deleted is listed with the API's message and request id, and the others are deleted all the same.
 */
import { useState } from 'preact/hooks';
import { activity } from '../activity.ts';
import { api, ok } from '../api/client.ts';

/** The recovery windows offered, as for one secret; 0 deletes at once (no recovery). */
const windows = [7, 14, 30, 0];

export function BulkDeleteForm({
  names,
  onStarted,
  onCancel,
}: {
  names: string[];
  onStarted: () => void;
  onCancel: () => void;
}) {
  const [days, setDays] = useState(30);

  function submit(event: Event) {
    event.preventDefault();
    const query = days === 0 ? { force: 'true' as const } : { recoveryWindowDays: days };
    void activity.batch({
      verb: 'Deleting',
      noun: names.length === 1 ? 'secret' : 'secrets',
      doneVerb: 'Deleted',
      items: names,
      each: async (name) =>
        (await ok(api.DELETE('/v1/secrets/{name}', { params: { path: { name }, query } }))).data,
    });
    onStarted();
  }

  const count = `${names.length} ${names.length === 1 ? 'secret' : 'secrets'}`;
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Delete selected secrets">
      <p>
        Delete {count}: {names.join(', ')}
      </p>
      <label>
        Recovery window
        <select value={days} onChange={(event) => setDays(Number(event.currentTarget.value))}>
          {windows.map((value) => (
            <option key={value} value={value}>
              {value === 0 ? 'None: delete at once, for good' : `${value} days`}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="danger">
        Delete {count}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
