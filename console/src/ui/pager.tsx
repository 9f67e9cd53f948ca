/**
 * Cursor paging, as every list route answers it: the cursors of the pages opened so far (so "Previous
 * page" goes back), and the "Pages" navigation with "Previous page" and "Next page".
 */
import { useState } from 'preact/hooks';

export interface CursorPages {
  /** The cursor of the page shown; undefined for the first. */
  cursor: string | undefined;
  hasPrevious: boolean;
  previous(): void;
  next(cursor: string): void;
  /** Back to the first page (the filters changed). */
  restart(): void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    hasPrevious: cursors.length > 1,
    previous: () => setCursors(cursors.slice(0, -1)),
    next: (cursor) => setCursors([...cursors, cursor]),
    restart: () => setCursors([undefined]),
  };
}

/**
 * "Previous page" and "Next page" for `pages`, `next` being the cursor the shown page answered. A
 * button with nowhere to go is disabled, or with `hideUnavailable` not offered at all.
 */
export function Pager({
  pages,
  next,
  hideUnavailable = false,
}: {
  pages: CursorPages;
  next: string | undefined;
  hideUnavailable?: boolean;
}) {
  const button = (label: string, available: boolean, go: () => void) =>
    hideUnavailable && !available ? null : (
      <button type="button" disabled={!available} onClick={go}>
        {label}
      </button>
    );
  return (
    <nav class="pager" aria-label="Pages">
      {button('Previous page', pages.hasPrevious, pages.previous)}
      {button('Next page', next !== undefined, () => next !== undefined && pages.next(next))}
    </nav>
  );
}
