/**
 * The header's Activity region: every long action of this tab while it runs ("Deleting 3 of 5
 * secrets…") and once it ends — done, with a link to the result, or the failed items with the API's
 * message and request id. A polite live region, so a screen reader hears progress without losing its
 * place; it stays whatever page is open.
 */
import { useEffect, useState } from 'preact/hooks';
import { type Activity, activity } from '../activity.ts';

function useActivities(): readonly Activity[] {
  const [list, setList] = useState(activity.list());
  useEffect(() => activity.subscribe(() => setList(activity.list())), []);
  return list;
}

export function ActivityRegion() {
  const list = useActivities();
  return (
    <section class="activity" aria-label="Activity">
      <div role="status" aria-live="polite">
        {list.length > 0 && (
          <ul>
            {list.map((item) => (
              <ActivityEntry key={item.id} item={item} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

export function headline(item: Activity): string {
  const many = item.noun !== '';
  if (item.state === 'running') {
    return many
      ? `${item.verb} ${Math.min(item.finished + 1, item.total)} of ${item.total} ${item.noun}…`
      : `${item.verb}…`;
  }
  const succeeded = item.total - item.failures.length;
  if (!many) return item.state === 'done' ? `${item.doneVerb}.` : `${item.verb} failed.`;
  const failed = item.failures.length ? `; ${item.failures.length} failed` : '';
  return `${item.doneVerb} ${succeeded} of ${item.total} ${item.noun}${failed}.`;
}

function ActivityEntry({ item }: { item: Activity }) {
  const title = headline(item);
  return (
    <li class={`activity-item ${item.failures.length > 0 ? 'failed' : item.state}`}>
      <p>
        <strong>{title}</strong>
        {item.summary && ` ${item.summary}`}
        {item.result && (
          <>
            {' '}
            <a href={item.result.href}>{item.result.label}</a>
          </>
        )}
      </p>
      {item.state === 'running' && item.total > 1 && (
        <progress value={item.finished} max={item.total} aria-label={title} />
      )}
      {item.failures.length > 0 && (
        <ul class="failures">
          {item.failures.map((failure) => (
            <li key={failure.item}>
              <code>{failure.item}</code>: {failure.message}
              {failure.requestId && (
                <span class="request-id">
                  {' '}
                  (Request ID: <code>{failure.requestId}</code>)
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {item.state !== 'running' && (
        <button type="button" aria-label={`Dismiss: ${title}`} onClick={() => activity.dismiss(item.id)}>
          Dismiss
        </button>
      )}
    </li>
  );
}
