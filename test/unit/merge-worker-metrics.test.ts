import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/create-metrics.js';
import { renderWithWorker, workerFamilies } from '../../src/observability/merge-worker-metrics.js';

const sample = (text: string, series: string) => text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1];

describe('renderWithWorker', () => {
  it('sums the families both processes have per label set, keeps each one’s own, and takes no gauge or runtime series from the worker', async () => {
    const web = createMetrics();
    const worker = createMetrics();
    web.slackApiErrors.inc({ method: 'chat.postMessage', error: 'ratelimited' });
    worker.slackApiErrors.inc({ method: 'chat.postMessage', error: 'ratelimited' }, 2);
    worker.slackApiErrors.inc({ method: 'chat.update', error: 'message_not_found' });
    worker.runs.inc({ environment: 'production', outcome: 'succeeded' });
    worker.queueWait.observe({ queue: 'steps' }, 0.2);
    web.ackLatency.observe(0.01);

    const families = await workerFamilies(worker.registry);
    expect(families.every((family) => family.name.startsWith('flightdeck_') && (family.type === 'counter' || family.type === 'histogram'))).toBe(true);
    const text = await renderWithWorker(web.registry, families);

    expect(sample(text, 'flightdeck_slack_api_errors_total{method="chat.postMessage",error="ratelimited"}')).toBe('3');
    expect(sample(text, 'flightdeck_slack_api_errors_total{method="chat.update",error="message_not_found"}')).toBe('1');
    expect(sample(text, 'flightdeck_runs_total{environment="production",outcome="succeeded"}')).toBe('1');
    expect(sample(text, 'flightdeck_queue_wait_seconds_count{queue="steps"}')).toBe('1');
    expect(sample(text, 'flightdeck_slack_ack_seconds_count')).toBe('1');
    // Only this process's runtime series, once each; prom-client would omit the start time when aggregating.
    expect(text.match(/^# TYPE process_start_time_seconds gauge$/gm)).toHaveLength(1);
    expect(text.match(/^# TYPE nodejs_eventloop_lag_p99_seconds gauge$/gm)).toHaveLength(1);
  });
});
