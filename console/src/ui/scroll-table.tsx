/** A wide table that scrolls sideways on a narrow screen; the scroller is focusable so keys can scroll it. */
import type { ComponentChildren } from 'preact';

export function ScrollTable({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard
    <section class="scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
