/**
 * The sum of every sample of `family` (any labels) in a Prometheus text exposition; undefined when the family is
 * not there at all. A labelled counter nothing has incremented yet has its TYPE line and no sample: exported, at 0.
 */
export function sumMetric(exposition: string, family: string): number | undefined {
  let total = new RegExp(`^# TYPE ${family} `, 'm').test(exposition) ? 0 : undefined;
  for (const match of exposition.matchAll(new RegExp(`^${family}(?:\\{[^}]*\\})? ([\\d.e+-]+)`, 'gm'))) total = (total ?? 0) + Number(match[1]);
  return total;
}
