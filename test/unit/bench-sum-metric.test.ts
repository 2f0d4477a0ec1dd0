import { describe, expect, it } from 'vitest';
import { sumMetric } from '../../bench/many-runs/sum-metric.js';

const EXPOSITION = `# HELP flightdeck_runs_total Runs that reached a terminal state.
# TYPE flightdeck_runs_total counter
flightdeck_runs_total{environment="production",outcome="succeeded"} 700
flightdeck_runs_total{environment="production",outcome="failed"} 3
# HELP flightdeck_runs_total_seconds Not the same family.
# TYPE flightdeck_runs_total_seconds counter
flightdeck_runs_total_seconds 99
# HELP flightdeck_jobs_stalled_total Jobs found stalled.
# TYPE flightdeck_jobs_stalled_total counter
`;

describe('sumMetric (bench stalls and terminal runs from /metrics)', () => {
  it('sums the samples of a family over its labels, and only of that family', () => {
    expect(sumMetric(EXPOSITION, 'flightdeck_runs_total')).toBe(703);
    expect(sumMetric(EXPOSITION, 'flightdeck_runs_total_seconds')).toBe(99);
  });

  it('counts a family with its TYPE line and no sample as exported at 0', () => {
    expect(sumMetric(EXPOSITION, 'flightdeck_jobs_stalled_total')).toBe(0);
  });

  it('answers undefined for a family that is not exported, so the report can say so rather than 0', () => {
    expect(sumMetric(EXPOSITION, 'flightdeck_jobs_failed_total')).toBeUndefined();
    expect(sumMetric('', 'flightdeck_runs_total')).toBeUndefined();
  });
});
