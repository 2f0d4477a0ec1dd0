import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isObject } from './validate-blocks.js';

/** Envelope types the emulator delivers (protocols A9). */
export type SocketEnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** One envelope sent to the app, with every ack it got. */
export interface SocketEnvelope {
  envelopeId: string;
  type: SocketEnvelopeType;
  payload: Record<string, unknown>;
  acceptsResponsePayload: boolean;
  sentAt: number;
  /** Ack payloads in arrival order; more than one means the app acked twice. */
  acks: Record<string, unknown>[];
  /** True when no ack arrived within the delivery timeout. */
  timedOut: boolean;
}

/** The app's answer to one envelope. */
export interface SocketAck {
  envelopeId: string;
  /** The ack payload; `{}` for an empty `ack()`. */
  payload: Record<string, unknown>;
}

/** Options of {@link SocketModeControl.deliver}. */
export interface DeliverOptions {
  /** How long to wait for a connection and then the ack; default 3000 ms (Slack's ack deadline). */
  timeoutMs?: number;
  /** Default true for slash commands and view submissions, false otherwise (as Slack sends them). */
  acceptsResponsePayload?: boolean;
  /** Sent as `retry_attempt` (Bolt exposes it as `context.retryNum`). */
  retryAttempt?: number;
  /** Sent as `retry_reason`. */
  retryReason?: string;
}

/** Socket Mode side of the emulator, for tests and the driver. */
export interface SocketModeControl {
  /** Open app connections. */
  readonly connections: number;
  readonly envelopes: readonly SocketEnvelope[];
  /** Pongs received in answer to the emulator's pings. */
  readonly pongs: number;
  /**
   * Sends an envelope over the newest open connection (waiting for one, e.g. during a reconnect) and
   * resolves with the app's ack. Rejects naming the envelope when no connection or no ack arrives
   * within `timeoutMs`.
   */
  deliver(type: SocketEnvelopeType, payload: Record<string, unknown>, options?: DeliverOptions): Promise<SocketAck>;
  /** Sends `{"type":"disconnect"}` on every connection; the client is expected to reconnect. */
  disconnect(reason?: string): void;
  /** Resolves once at least one app connection is open; rejects after `timeoutMs` (default 5000). */
  waitForConnection(timeoutMs?: number): Promise<void>;
}

interface Pending {
  envelope: SocketEnvelope;
  resolve: (ack: SocketAck) => void;
}

const PATH = '/socket-mode';
const POLL_MS = 10;

/** A Socket Mode WebSocket endpoint behaving as @slack/socket-mode 3.x expects (hello, acks, pings). */
export class SocketModeServer implements SocketModeControl {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly open: WebSocket[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly envelopes: SocketEnvelope[] = [];
  pongs = 0;

  constructor(
    private readonly appId: string,
    private readonly pingIntervalMs: number,
    private readonly now: () => number,
  ) {}

  get connections(): number {
    return this.open.length;
  }

  /** A single-use `ws://` URL, as `apps.connections.open` returns. */
  ticketUrl(baseUrl: string): string {
    const ticket = randomBytes(12).toString('hex');
    this.tickets.add(ticket);
    return `${baseUrl.replace(/^http/, 'ws')}${PATH.slice(1)}?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** Handles an HTTP upgrade; answers 404 off-path and 401 for an unknown or reused ticket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== PATH || !this.tickets.delete(ticket)) {
      socket.end(`HTTP/1.1 ${url.pathname === PATH ? '401 Unauthorized' : '404 Not Found'}\r\nconnection: close\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  deliver(
    type: SocketEnvelopeType,
    payload: Record<string, unknown>,
    options: DeliverOptions = {},
  ): Promise<SocketAck> {
    const timeoutMs = options.timeoutMs ?? 3000;
    const deadline = Date.now() + timeoutMs;
    const envelope: SocketEnvelope = {
      envelopeId: randomUUID(),
      type,
      payload,
      acceptsResponsePayload: options.acceptsResponsePayload ?? type !== 'events_api',
      sentAt: this.now(),
      acks: [],
      timedOut: false,
    };
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        envelope.timedOut = true;
        this.pending.delete(envelope.envelopeId);
        reject(new Error(`Socket Mode: ${why} for ${type} envelope ${envelope.envelopeId} within ${timeoutMs} ms`));
      };
      const trySend = (): void => {
        const ws = this.open.at(-1);
        if (!ws) {
          if (Date.now() >= deadline) fail('no app connection');
          else this.later(trySend, POLL_MS);
          return;
        }
        this.envelopes.push(envelope);
        this.pending.set(envelope.envelopeId, { envelope, resolve });
        ws.send(
          JSON.stringify({
            envelope_id: envelope.envelopeId,
            type,
            payload,
            accepts_response_payload: envelope.acceptsResponsePayload,
            ...(options.retryAttempt !== undefined ? { retry_attempt: options.retryAttempt } : {}),
            ...(options.retryReason !== undefined ? { retry_reason: options.retryReason } : {}),
          }),
        );
        this.later(() => {
          if (this.pending.has(envelope.envelopeId)) fail('no ack');
        }, Math.max(0, deadline - Date.now()));
      };
      trySend();
    });
  }

  disconnect(reason = 'refresh_requested'): void {
    for (const ws of this.open) ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'slack-emulator' } }));
  }

  waitForConnection(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.open.length > 0) resolve();
        else if (Date.now() >= deadline) reject(new Error(`Socket Mode: no app connected within ${timeoutMs} ms`));
        else this.later(check, POLL_MS);
      };
      check();
    });
  }

  /** Drops every connection and timer; pending deliveries stay unresolved. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const ws of [...this.open]) ws.terminate();
    this.open.length = 0;
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    this.open.push(ws);
    const ping = setInterval(() => ws.ping(), this.pingIntervalMs);
    ws.on('pong', () => {
      this.pongs += 1;
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.receive(data);
    });
    ws.on('close', () => {
      clearInterval(ping);
      const i = this.open.indexOf(ws);
      if (i >= 0) this.open.splice(i, 1);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open.length,
        debug_info: { host: 'slack-emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
  }

  // Frames from the app are acks `{envelope_id, payload?}`; anything else is ignored, as Slack does.
  private receive(data: RawData): void {
    let frame: unknown;
    try {
      frame = JSON.parse(rawText(data));
    } catch {
      return;
    }
    if (!isObject(frame) || typeof frame.envelope_id !== 'string') return;
    const ack = isObject(frame.payload) ? frame.payload : {};
    const envelope = this.envelopes.find((e) => e.envelopeId === frame.envelope_id);
    envelope?.acks.push(ack);
    const pending = this.pending.get(frame.envelope_id);
    if (!pending) return;
    this.pending.delete(frame.envelope_id);
    pending.resolve({ envelopeId: frame.envelope_id, payload: ack });
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
