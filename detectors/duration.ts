/**
 * A duration as a summary states it: seconds under 2 minutes, minutes under 2 hours, hours under
 * 2 days, else days ("expired 25 hours earlier", "3 requests over 2 days").
 */
export function describeDuration(seconds: number): string {
  const unit = (n: number, name: string): string => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (seconds >= 2 * 86_400) return unit(Math.round(seconds / 86_400), 'day');
  if (seconds >= 2 * 3_600) return unit(Math.round(seconds / 3_600), 'hour');
  if (seconds >= 120) return unit(Math.round(seconds / 60), 'minute');
  return unit(Math.round(seconds), 'second');
}
