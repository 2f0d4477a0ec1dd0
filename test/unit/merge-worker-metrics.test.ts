import { describe, expect, it } from 'vitest';
import { createMetrics, EVENT_LOOP_DELAY_MAX } from '../../src/observability/create-metrics.js';
import { renderWithWorker, workerFamilies } from '../../src/observability/merge-worker-metrics.js';

const sample = (text: string, series: string) => text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1];

describe('renderWithWorker', () => {
  it('sums the families both processes have per label set, keeps each one’s own, and takes no gauge but its event-loop delay and no runtime series from the worker', async () => {
    const web = createMetrics({ role: 'web' });
    const worker = createMetrics({ role: 'worker' });
    web.slackApiErrors.inc({ method: 'chat.postMessage', error: 'ratelimited' });
    worker.slackApiErrors.inc({ method: 'chat.postMessage', error: 'ratelimited' }, 2);
    worker.slackApiErrors.inc({ method: 'chat.update', error: 'message_not_found' });
    worker.runs.inc({ environment: 'production', outcome: 'succeeded' });
    worker.queueWait.observe({ queue: 'steps' }, 0.2);
    worker.jobsStalled.inc({ queue: 'steps' });
    web.ackLatency.observe(0.01);

    const families = await workerFamilies(worker.registry);
    expect(families.every((family) => family.name.startsWith('flightdeck_') && (family.type === 'counter' || family.type === 'histogram' || family.name === EVENT_LOOP_DELAY_MAX))).toBe(true);
    const text = await renderWithWorker(web.registry, families);

    expect(sample(text, 'flightdeck_slack_api_errors_total{method="chat.postMessage",error="ratelimited"}')).toBe('3');
    expect(sample(text, 'flightdeck_slack_api_errors_total{method="chat.update",error="message_not_found"}')).toBe('1');
    expect(sample(text, 'flightdeck_runs_total{environment="production",outcome="succeeded"}')).toBe('1');
    expect(sample(text, 'flightdeck_queue_wait_seconds_count{queue="steps"}')).toBe('1');
    expect(sample(text, 'flightdeck_slack_ack_seconds_count')).toBe('1');
    expect(sample(text, 'flightdeck_jobs_stalled_total{queue="steps"}')).toBe('1');
    // Each process's longest event-loop delay stands on its own (a sum of two maxima would be neither).
    expect(Number(sample(text, `${EVENT_LOOP_DELAY_MAX}{role="web"}`))).toBeGreaterThanOrEqual(0);
    expect(Number(sample(text, `${EVENT_LOOP_DELAY_MAX}{role="worker"}`))).toBeGreaterThanOrEqual(0);
    expect(text.match(new RegExp(`^${EVENT_LOOP_DELAY_MAX}\\{`, 'gm'))).toHaveLength(2);
    // Only this process's runtime series, once each; prom-client would omit the start time when aggregating.
    expect(text.match(/^# TYPE process_start_time_seconds gauge$/gm)).toHaveLength(1);
    expect(text.match(/^# TYPE nodejs_eventloop_lag_p99_seconds gauge$/gm)).toHaveLength(1);
  });
});
