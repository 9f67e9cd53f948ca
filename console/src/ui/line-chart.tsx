/** A line over a few points (months' totals) as inline SVG, named and pointing at the table that states it. */
import { useId } from 'preact/hooks';

export interface Point {
  label: string;
  value: number;
  text: string;
}

const width = 420;
const height = 180;
const pad = { left: 16, right: 16, top: 24, bottom: 32 };

export function LineChart({
  title,
  points,
  describedBy,
}: {
  title: string;
  points: Point[];
  describedBy: string;
}) {
  const titleId = useId();
  const max = Math.max(0, ...points.map((point) => point.value));
  const step = points.length > 1 ? (width - pad.left - pad.right) / (points.length - 1) : 0;
  const xy = points.map((point, index) => ({
    ...point,
    x: pad.left + index * step,
    y: height - pad.bottom - (max > 0 ? (point.value / max) * (height - pad.top - pad.bottom) : 0),
  }));
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
        <line
          x1={pad.left}
          x2={width - pad.right}
          y1={height - pad.bottom}
          y2={height - pad.bottom}
          class="axis"
        />
        <polyline points={xy.map((point) => `${point.x},${point.y}`).join(' ')} class="line" fill="none" />
        {xy.map((point, index) => (
          <g key={point.label}>
            <circle cx={point.x} cy={point.y} r={4} class="dot" />
            <text
              x={point.x}
              y={height - 10}
              text-anchor={index === 0 ? 'start' : index === xy.length - 1 ? 'end' : 'middle'}
              class="chart-label"
            >
              {point.label}
            </text>
            <text
              x={point.x}
              y={point.y - 8}
              text-anchor={index === 0 ? 'start' : index === xy.length - 1 ? 'end' : 'middle'}
              class="chart-value"
            >
              {point.text}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}
