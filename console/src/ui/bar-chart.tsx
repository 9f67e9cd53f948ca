/**
 * Horizontal bars as inline SVG (presentation attributes only: the CSP allows no style attribute).
 * The chart has an accessible name and points at the table that states the same figures.
 */
import { useId } from 'preact/hooks';

export interface Bar {
  label: string;
  /** What the bar's length stands for. */
  value: number;
  /** The figure as the API gave it, written beside the bar. */
  text: string;
}

const rowHeight = 26;
const labelWidth = 130;
const barSpace = 210;
const textSpace = 70;

const clip = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length - 1)}…` : text;

export function BarChart({ title, bars, describedBy }: { title: string; bars: Bar[]; describedBy: string }) {
  const titleId = useId();
  const max = Math.max(0, ...bars.map((bar) => bar.value));
  const width = labelWidth + barSpace + textSpace;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  return (
    <figure class="chart">
      <svg
        role="img"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
      >
        <title id={titleId}>{title}</title>
        {bars.length === 0 && (
          <text x={0} y={18} class="chart-label">
            Nothing this month
          </text>
        )}
        {bars.map((bar, index) => {
          const y = index * rowHeight + 4;
          const length = max > 0 ? (bar.value / max) * barSpace : 0;
          return (
            <g key={bar.label}>
              <text x={labelWidth - 8} y={y + 15} text-anchor="end" class="chart-label">
                {clip(bar.label, 18)}
              </text>
              <rect
                x={labelWidth}
                y={y + 2}
                width={Math.max(bar.value > 0 ? 2 : 0, length)}
                height={18}
                class="bar"
              />
              <text x={labelWidth + length + 6} y={y + 15} class="chart-value">
                {bar.text}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}
