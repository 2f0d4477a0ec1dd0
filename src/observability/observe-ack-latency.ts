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

/** The two events of a Socket Mode client (`@slack/socket-mode`'s SocketModeClient) the timing needs. */
export interface SocketModeEvents {
  on(event: 'slack_event' | 'outgoing_message', listener: (message: { envelope_id?: unknown }) => void): unknown;
}

/** Envelopes never acked (a listener that threw before its ack) are forgotten past this many. */
const MAX_PENDING = 1000;

/**
 * Times every Socket Mode envelope from its arrival (`slack_event`, emitted as soon as it is parsed) to its
 * ack leaving over the WebSocket (`outgoing_message` with the same envelope id): what Slack waits for in
 * Socket Mode, where there is no HTTP response to time. Subscribes only; the client is untouched.
 */
export function observeSocketAckLatency(client: SocketModeEvents, metrics: FlightdeckMetrics): void {
  const pending = new Map<string, () => void>();
  client.on('slack_event', ({ envelope_id: id }) => {
    if (typeof id !== 'string') return;
    if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
    pending.set(id, metrics.ackLatency.startTimer());
  });
  client.on('outgoing_message', ({ envelope_id: id }) => {
    if (typeof id !== 'string') return;
    pending.get(id)?.();
    pending.delete(id);
  });
}
