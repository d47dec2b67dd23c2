import { exactTime, now, relativeTime } from '../../lib/format.ts';

/** "5 min ago", with the exact time on hover and for assistive tech. */
export function RelativeTime({ iso }: { iso: string }) {
  const exact = exactTime(iso);
  return (
    <time dateTime={iso} title={exact} aria-label={exact}>
      {relativeTime(iso, now.value)}
    </time>
  );
}
