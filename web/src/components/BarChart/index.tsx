import type { CountBucket } from '../../api/types.ts';
import { formatCount } from '../../lib/format.ts';
import './bar-chart.css';

type Props = { buckets: CountBucket[]; unit: 'hour' | 'day'; label: string; height?: number };

const hourFormat = new Intl.DateTimeFormat('en', { hour: 'numeric' });
const dayFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });
const tooltipFormat = { hour: new Intl.DateTimeFormat('en', { weekday: 'short', hour: 'numeric', minute: '2-digit' }), day: dayFormat };

/** A bar per bucket; each bar's tooltip gives its time and count. */
export function BarChart({ buckets, unit, label, height = 160 }: Props) {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const width = 100 / Math.max(buckets.length, 1);
  const tick = (iso: string) => (unit === 'hour' ? hourFormat : dayFormat).format(new Date(iso));
  const ticks = buckets.length > 2 ? [0, Math.floor(buckets.length / 2), buckets.length - 1] : buckets.map((_, i) => i);
  return (
    <figure class="bar-chart">
      <div class="bar-chart-plot" style={{ height: `${height}px` }}>
        <div class="bar-chart-max" aria-hidden="true">
          {formatCount(max)}
        </div>
        <svg viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label={`${label}: ${formatCount(total)} in total, at most ${formatCount(max)} per ${unit}`}>
          <line x1="0" x2="100" y1="99.5" y2="99.5" class="bar-chart-axis" />
          {buckets.map((bucket, i) => {
            const h = bucket.count === 0 ? 0 : Math.max(2, (bucket.count / max) * 96);
            return (
              <g key={bucket.bucket}>
                <rect class="bar-chart-hit" x={i * width} y="0" width={width} height="100">
                  <title>{`${tooltipFormat[unit].format(new Date(bucket.bucket))}: ${formatCount(bucket.count)}`}</title>
                </rect>
                <rect class="bar-chart-bar" x={i * width + width * 0.15} y={100 - h} width={width * 0.7} height={h} />
              </g>
            );
          })}
        </svg>
      </div>
      <div class="bar-chart-ticks" aria-hidden="true">
        {ticks.map((i) => (
          <span key={i}>{buckets[i] ? tick(buckets[i].bucket) : ''}</span>
        ))}
      </div>
    </figure>
  );
}
