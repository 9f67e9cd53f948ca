/**
 * Long actions (bulk delete, import, clone, rotate) as activities that outlive the page that started
 * them: a module-level list with subscribe/notify, like session.ts. The header's Activity region shows
 * each one while it runs and after it ends, so the user may go to any page meanwhile. A failed item
 * never stops the others; every failure is kept with the API's message and request id.
 */
import type { ApiError } from './api/client.ts';
import { session } from './session.ts';
import { asApiError } from './ui/use-load.ts';

/** Where an activity's result can be seen, e.g. the cloned secret. */
export interface ResultLink {
  label: string;
  href: string;
}

export interface ItemFailure {
  item: string;
  message: string;
  requestId: string | undefined;
}

export interface Activity {
  id: number;
  /** What is being done, as a progressive verb: "Deleting", "Cloning payments/db to …". */
  verb: string;
  /** What it is done to, plural ("secrets"), for "Deleting 3 of 5 secrets…". */
  noun: string;
  /** What it is called once done: "Deleted", "Cloned payments/db to …". */
  doneVerb: string;
  total: number;
  /** Items finished so far, failed ones included. */
  finished: number;
  failures: ItemFailure[];
  state: 'running' | 'done' | 'failed';
  /** A sentence about the outcome, once done (e.g. the new version and the next rotation). */
  summary?: string;
  result?: ResultLink;
}

const listeners = new Set<() => void>();
const endListeners = new Set<(ended: Activity) => void>();
let activities: Activity[] = [];
let nextId = 1;

function changed(): void {
  for (const listener of listeners) listener();
}

function update(id: number, change: (activity: Activity) => Activity): void {
  activities = activities.map((activity) => (activity.id === id ? change(activity) : activity));
  changed();
}

function end(id: number, change: (activity: Activity) => Activity): void {
  update(id, change);
  const ended = activities.find((activity) => activity.id === id);
  if (ended) for (const listener of endListeners) listener(ended);
}

export interface BatchAction<T> {
  verb: string;
  noun: string;
  doneVerb: string;
  items: string[];
  /** The work on one item; a throw is recorded as that item's failure and the rest go on. */
  each: (item: string) => Promise<T>;
}

export interface SingleAction<T> {
  verb: string;
  doneVerb: string;
  /** What is acted on, named in a failure. */
  item: string;
  run: () => Promise<T>;
  /** The outcome in words and where to see it, from the answer. */
  describe?: (answer: T) => { summary?: string; result?: ResultLink };
}

export const activity = {
  list: (): readonly Activity[] => activities,

  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  /** Called as each activity ends, so a page that shows what it changed (a list) can reload. */
  onEnded(listener: (ended: Activity) => void): () => void {
    endListeners.add(listener);
    return () => endListeners.delete(listener);
  },

  /**
   * Runs the work on each item in turn (one request at a time, so progress reads in order and the API
   * is not flooded) and answers the items that succeeded and the failures.
   */
  async batch<T>(
    action: BatchAction<T>,
  ): Promise<{ succeeded: { item: string; answer: T }[]; failures: ItemFailure[] }> {
    const id = nextId++;
    activities = [
      {
        id,
        verb: action.verb,
        noun: action.noun,
        doneVerb: action.doneVerb,
        total: action.items.length,
        finished: 0,
        failures: [],
        state: 'running',
      },
      ...activities,
    ];
    changed();
    const succeeded: { item: string; answer: T }[] = [];
    const failures: ItemFailure[] = [];
    for (const item of action.items) {
      try {
        succeeded.push({ item, answer: await action.each(item) });
      } catch (caught) {
        failures.push(failureOf(item, asApiError(caught)));
      }
      update(id, (current) => ({ ...current, finished: current.finished + 1, failures: [...failures] }));
    }
    end(id, (current) => ({
      ...current,
      state: failures.length === action.items.length ? 'failed' : 'done',
    }));
    return { succeeded, failures };
  },

  /** One long call (import, clone, rotate): answers its result, or throws its ApiError. */
  async single<T>(action: SingleAction<T>): Promise<T> {
    const id = nextId++;
    activities = [
      {
        id,
        verb: action.verb,
        noun: '',
        doneVerb: action.doneVerb,
        total: 1,
        finished: 0,
        failures: [],
        state: 'running',
      },
      ...activities,
    ];
    changed();
    try {
      const answer = await action.run();
      const described = action.describe?.(answer) ?? {};
      end(id, (current) => ({ ...current, ...described, finished: 1, state: 'done' }));
      return answer;
    } catch (caught) {
      const error = asApiError(caught);
      end(id, (current) => ({
        ...current,
        finished: 1,
        failures: [failureOf(action.item, error)],
        state: 'failed',
      }));
      throw error;
    }
  },

  /** Removes one finished activity from the list. */
  dismiss(id: number): void {
    activities = activities.filter((item) => item.id !== id || item.state === 'running');
    changed();
  },
};

function failureOf(item: string, error: ApiError): ItemFailure {
  return { item, message: error.message, requestId: error.requestId };
}

// Another key may see other secrets: what one key did is not shown to the next.
session.subscribe(() => {
  if (session.key() === undefined && activities.length > 0) {
    activities = [];
    changed();
  }
});
