import type { Server } from 'node:http';
import type { FlightdeckMetrics } from './create-metrics.js';

/**
 * Times every POST to `path` on `server` from arrival to the response being handed to the OS: what Slack
 * waits for before it shows "operation timed out". Adds a listener; the server's own handler is untouched.
 */
export function observeAckLatency(server: Server, path: string, metrics: FlightdeckMetrics): void {
  server.on('request', (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith(path)) return;
    const stopTimer = metrics.ackLatency.startTimer();
    res.once('finish', () => stopTimer());
  });
}
